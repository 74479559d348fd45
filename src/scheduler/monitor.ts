/**
 * Execution monitoring: folds task events into an {@link ExecutionStatus} and projects the end of the
 * run from the delays seen so far.
 *
 * The projection replays the plan with what is known: finished tasks end when they ended, running
 * tasks end at (last start + planned duration) but never before now, and tasks still to run start no
 * earlier than planned, than their dependencies' projected ends, or than now. It ignores resource
 * contention, so it is a lower bound on the real end; it is never below the predicted makespan.
 */
import { z } from 'zod';
import { NoError } from '../contracts/errors.js';
import { parseWith } from '../contracts/validate.js';
import {
  ExecutionEventSchema,
  type ExecutionEvent,
  type ExecutionPlan,
  type ExecutionStatus,
  type Task,
} from '../contracts/scheduler.js';
import type { TaskStatus } from '../contracts/status.js';
import { buildDag } from './dag.js';

/**
 * Lateness up to this many milliseconds does not count as a delay. Planned durations are estimates,
 * so callers that want slack should pass their own.
 * @default 0
 */
export const DEFAULT_MONITOR_TOLERANCE_MS = 0;

export interface MonitorOptions {
  /** The current time since the run started; the latest event's time when omitted. */
  nowMs?: number;
  /** @default DEFAULT_MONITOR_TOLERANCE_MS */
  toleranceMs?: number;
}

interface TaskProgress {
  /** Events tell started, completed and failed, so a task here is never skipped or cancelled. */
  state: TaskStatus;
  firstStartMs?: number;
  lastStartMs?: number;
  endMs?: number;
}

function parseEvents(plan: ExecutionPlan, events: readonly ExecutionEvent[]): ExecutionEvent[] {
  const parsed = parseWith(z.array(ExecutionEventSchema), events, { what: 'events' });
  const known = new Set(plan.tasks.map((t) => t.id));
  for (const event of parsed) {
    if (!known.has(event.taskId)) {
      throw new NoError('INVALID_REQUEST', `event for task '${event.taskId}', which is not in plan '${plan.id}'`, {
        details: { taskId: event.taskId, planId: plan.id },
      });
    }
  }
  // Stable by time: events may arrive out of order, but same-instant events keep their order.
  return parsed
    .map((event, i) => ({ event, i }))
    .sort((a, b) => a.event.atMs - b.event.atMs || a.i - b.i)
    .map((x) => x.event);
}

function checkNumber(field: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new NoError('INVALID_NUMBER', `${field} must be a finite number >= 0, got ${value}`, {
      details: { field, value },
    });
  }
}

/**
 * The status of a run from its events: which tasks are pending, running, completed or failed, which
 * are late against the plan, and when the run will likely end.
 *
 * A `started` after `failed` is a retry: the task runs again. The run is `failed` while any task's
 * latest event is a failure, `completed` when every task completed, `pending` before any event.
 * `onSchedule` is false once the run failed, any task is late, or the projection exceeds the plan.
 *
 * @throws NoError `INVALID_REQUEST` for an invalid event or one naming a task not in the plan;
 *   `INVALID_NUMBER` for a negative or non-finite option.
 * @example
 * const status = monitorExecution(plan, [
 *   { taskId: 'fetch', type: 'started', atMs: 0 },
 *   { taskId: 'fetch', type: 'completed', atMs: 1200 },
 * ], { nowMs: 1500, toleranceMs: 100 });
 * status.delayed; // [{ taskId: 'fetch', delayMs: 200 }] when fetch was planned to end at 1000
 */
export function monitorExecution(
  plan: ExecutionPlan,
  events: readonly ExecutionEvent[],
  options: MonitorOptions = {},
): ExecutionStatus {
  checkNumber('nowMs', options.nowMs);
  checkNumber('toleranceMs', options.toleranceMs);
  const tolerance = options.toleranceMs ?? DEFAULT_MONITOR_TOLERANCE_MS;
  const ordered = parseEvents(plan, events);
  const progress = new Map<string, TaskProgress>(plan.tasks.map((t) => [t.id, { state: 'pending' }]));
  for (const event of ordered) {
    const task = progress.get(event.taskId) as TaskProgress;
    if (event.type === 'started') {
      task.state = 'running';
      task.firstStartMs ??= event.atMs;
      task.lastStartMs = event.atMs;
      delete task.endMs;
    } else {
      task.state = event.type;
      task.endMs = event.atMs;
    }
  }
  const latestEvent = ordered.reduce((m, e) => Math.max(m, e.atMs), 0);
  // The latest event is a lower bound on the present, whatever clock the caller passed.
  const elapsedMs = Math.max(options.nowMs ?? 0, latestEvent);

  const ids = plan.tasks.map((t) => t.id);
  const inState = (state: TaskStatus): string[] => ids.filter((id) => progress.get(id)?.state === state);
  const planned = new Map(plan.schedule.map((s) => [s.taskId, s]));

  const delayed: ExecutionStatus['delayed'] = [];
  for (const id of ids) {
    const task = progress.get(id) as TaskProgress;
    const entry = planned.get(id);
    if (entry === undefined) continue;
    // A pending task past its planned start is as late as one that started late.
    const startedMs = task.firstStartMs ?? (task.state === 'pending' ? elapsedMs : -Infinity);
    const endedMs = task.endMs ?? (task.state === 'running' ? elapsedMs : -Infinity);
    const delayMs = Math.max(startedMs - entry.startMs, endedMs - entry.endMs);
    if (delayMs > tolerance) delayed.push({ taskId: id, delayMs });
  }

  const dag = buildDag(plan.tasks);
  const projectedEnd = new Array<number>(dag.ids.length).fill(0);
  for (const node of dag.order) {
    const id = dag.ids[node] as string;
    const task = progress.get(id) as TaskProgress;
    const entry = planned.get(id);
    const duration = entry === undefined ? (plan.tasks[node] as Task).estimatedDurationMs : entry.endMs - entry.startMs;
    if (task.endMs !== undefined) {
      projectedEnd[node] = task.endMs;
    } else if (task.state === 'running') {
      projectedEnd[node] = Math.max((task.lastStartMs as number) + duration, elapsedMs);
    } else {
      const preds = dag.preds[node] as readonly number[];
      const depsEnd = preds.reduce((t, p) => Math.max(t, projectedEnd[p] as number), 0);
      projectedEnd[node] = Math.max(entry?.startMs ?? 0, depsEnd, elapsedMs) + duration;
    }
  }
  // reduce, not Math.max(...spread): a plan with 100k+ tasks would overflow the call stack.
  const projectedMakespanMs = projectedEnd.reduce((m, end) => Math.max(m, end), plan.makespanMs);

  const failed = inState('failed');
  const completed = inState('completed');
  let state: ExecutionStatus['state'] = 'running';
  if (failed.length > 0) state = 'failed';
  else if (completed.length === ids.length) state = 'completed';
  else if (ordered.length === 0) state = 'pending';
  return {
    planId: plan.id,
    state,
    pending: inState('pending'),
    running: inState('running'),
    completed,
    failed,
    progress: ids.length === 0 ? 1 : completed.length / ids.length,
    elapsedMs,
    predictedMakespanMs: plan.makespanMs,
    projectedMakespanMs,
    delayed,
    onSchedule: state !== 'failed' && delayed.length === 0 && projectedMakespanMs - plan.makespanMs <= tolerance,
  };
}
