import type { EventEnvelope } from '../../contracts/events.js';
import type { RunStatus, TaskStatus } from '../../contracts/status.js';

/** Runs the dashboard holds; past it the oldest finished run (else the oldest) is dropped. @default 50 */
export const DEFAULT_MAX_RUNS = 50;
/**
 * Events one run records into its timeline; past it the run keeps its status and counts but draws no
 * new bars (`truncated` says so). @default 20_000
 */
export const DEFAULT_MAX_EVENTS_PER_RUN = 20_000;

/** One attempt of a task on an agent: a bar on the timeline. */
export interface AttemptView {
  attempt: number;
  agentId: string;
  /** Epoch ms. */
  startedAt: number;
  endedAt?: number;
  outcome: 'running' | 'completed' | 'failed';
  error?: string;
}

export interface TaskView {
  id: string;
  capability?: string;
  dependsOn: readonly string[];
  /** On the plan's critical path. */
  critical: boolean;
  status: TaskStatus;
  attempts: AttemptView[];
  /** The plan's predicted window, ms from the run's start. */
  plannedStartMs?: number;
  plannedEndMs?: number;
  /** Recovery actions taken for it, in order (`retry`, `redistribute`, `fallback`, ...). */
  recoveries: string[];
}

export interface RunSummary {
  runId: string;
  /** The LangGraph thread: where its history (time travel) is. */
  threadId?: string;
  /** The loop's name given to serveDashboard. */
  loop: string;
  status: RunStatus;
  /** Epoch ms of the first event seen. */
  startedAt: number;
  endedAt?: number;
  tasks: number;
  completed: number;
  failed: number;
  running: number;
}

export interface RunView extends RunSummary {
  planId?: string;
  strategy?: string;
  /** Predicted makespan / lower bound, when the plan was seen. */
  planRatio?: number;
  tasksById: Record<string, TaskView>;
  /** Task ids in plan order. */
  order: string[];
  criticalPath: string[];
  error?: { code: string; message: string };
  events: number;
  /** The run passed maxEventsPerRun: bars after that point are not drawn. */
  truncated: boolean;
}

interface PlanStep {
  taskId: string;
  startMs?: number;
  endMs?: number;
  dependsOn?: readonly string[];
  capability?: string;
  critical?: boolean;
}

type Data = Record<string, unknown> & { taskId?: string; metadata?: Record<string, unknown> };

/** Follows one run from its events: the tasks, their attempts and the run's status. */
export class RunTracker {
  readonly view: RunView;

  constructor(runId: string, loop: string, threadId: string | undefined, at: number, private readonly maxEvents: number) {
    this.view = {
      runId, loop, status: 'running', startedAt: at, tasks: 0, completed: 0, failed: 0, running: 0,
      tasksById: {}, order: [], criticalPath: [], events: 0, truncated: false,
      ...(threadId === undefined ? {} : { threadId }),
    };
  }

  get finished(): boolean {
    return this.view.endedAt !== undefined;
  }

  summary(): RunSummary {
    const { tasksById: _t, order: _o, criticalPath: _c, events: _e, truncated: _x, planId: _p, strategy: _s, planRatio: _r, error: _err, ...summary } = this.view;
    return summary;
  }

  private task(id: string): TaskView {
    let task = this.view.tasksById[id];
    if (!task) {
      task = { id, dependsOn: [], critical: false, status: 'pending', attempts: [], recoveries: [] };
      this.view.tasksById[id] = task;
      this.view.order.push(id);
      this.view.tasks++;
    }
    return task;
  }

  private setStatus(task: TaskView, status: TaskStatus): void {
    const before = task.status;
    if (before === status) return;
    if (before === 'running') this.view.running--;
    if (before === 'completed') this.view.completed--;
    if (before === 'failed') this.view.failed--;
    task.status = status;
    if (status === 'running') this.view.running++;
    if (status === 'completed') this.view.completed++;
    if (status === 'failed') this.view.failed++;
  }

  apply(event: EventEnvelope, at: number): void {
    const view = this.view;
    view.events++;
    const record = view.events <= this.maxEvents;
    if (!record) view.truncated = true;
    const data = (event.data ?? {}) as Data;
    switch (event.type) {
      case 'orchestration.plan.created':
        view.planId = String(data['planId']);
        this.plan((data['steps'] as PlanStep[] | undefined) ?? []);
        return;
      case 'orchestration.decision.made': {
        if (typeof data['outcome'] !== 'string' || !String(data['decisionId']).endsWith(':strategy')) return;
        view.strategy = data['outcome'];
        const makespan = Number(data.metadata?.['makespanMs']);
        const bound = Number(data.metadata?.['lowerBoundMs']);
        if (bound > 0 && Number.isFinite(makespan)) view.planRatio = makespan / bound;
        return;
      }
      case 'orchestration.task.created':
        if (data.taskId) this.task(data.taskId);
        return;
      case 'no.agent.coordination.started':
        view.strategy = String(data['strategy']);
        return;
      case 'orchestration.task.started': {
        if (!data.taskId) return;
        const task = this.task(data.taskId);
        this.setStatus(task, 'running');
        if (record) task.attempts.push({ attempt: Number(data['attempt'] ?? task.attempts.length + 1), agentId: String(data['agentId'] ?? '?'), startedAt: at, outcome: 'running' });
        return;
      }
      case 'orchestration.task.completed': {
        if (!data.taskId) return;
        const task = this.task(data.taskId);
        this.setStatus(task, 'completed');
        const open = task.attempts.at(-1);
        if (open?.outcome === 'running') Object.assign(open, { outcome: 'completed', endedAt: at });
        return;
      }
      case 'orchestration.task.failed': {
        if (!data.taskId) return;
        const task = this.task(data.taskId);
        const attempt = data.metadata?.['attempt'];
        if (attempt === undefined) {
          // The task's final failure without an attempt of its own: blocked, skipped or cancelled.
          const status = data.metadata?.['status'];
          this.setStatus(task, status === 'skipped' || status === 'cancelled' ? status : 'failed');
          return;
        }
        const open = lastRunning(task.attempts, Number(attempt));
        if (open) Object.assign(open, { outcome: 'failed', endedAt: at, error: String(data['error'] ?? '') });
        // Failed for now: a retry or another agent may still finish it.
        this.setStatus(task, 'failed');
        return;
      }
      case 'no.recovery.action.taken':
        if (data.taskId && record) this.task(data.taskId).recoveries.push(String(data['action']));
        return;
      case 'no.run.completed':
        view.status = data['status'] as RunStatus;
        view.endedAt = at;
        if (data['error']) view.error = data['error'] as { code: string; message: string };
        for (const task of Object.values(view.tasksById)) {
          if (task.status === 'running') this.setStatus(task, 'cancelled');
          for (const a of task.attempts) if (a.outcome === 'running') Object.assign(a, { outcome: 'failed', endedAt: at, error: 'the run ended' });
          if (task.status === 'pending') this.setStatus(task, 'skipped');
        }
        return;
      default:
    }
  }

  private plan(steps: readonly PlanStep[]): void {
    const critical: string[] = [];
    for (const step of steps) {
      const task = this.task(step.taskId);
      task.dependsOn = step.dependsOn ?? [];
      task.critical = step.critical === true;
      if (step.capability !== undefined) task.capability = step.capability;
      if (step.startMs !== undefined) task.plannedStartMs = step.startMs;
      if (step.endMs !== undefined) task.plannedEndMs = step.endMs;
      if (task.critical) critical.push(task.id);
    }
    this.view.criticalPath = critical.sort((a, b) => (this.view.tasksById[a]!.plannedStartMs ?? 0) - (this.view.tasksById[b]!.plannedStartMs ?? 0));
  }
}

function lastRunning(attempts: readonly AttemptView[], attempt: number): AttemptView | undefined {
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.attempt === attempt && attempts[i]!.outcome === 'running') return attempts[i];
  return undefined;
}
