import { NoError } from '../contracts/errors.js';
import type { ResourceMap } from '../contracts/common.js';
import type { AgentPool } from './agent-pool.js';

/** What the dispatcher needs to know about one task. */
export interface DispatchTask {
  id: string;
  /** Position in the plan's order: the last tie-breaker, so dispatch is deterministic. */
  index: number;
  /** 1..10, higher first. */
  priority: number;
  /** Critical-path length from this task to the end: longer first among equal priorities. */
  tail: number;
  resources: ResourceMap;
  capability?: string;
  dependsOn: readonly string[];
  /** Holds the coordination mutex while running (parallel-coordinated strategy). */
  exclusive: boolean;
}

export interface DispatcherOptions {
  tasks: readonly DispatchTask[];
  pool: AgentPool;
  /** Hard capacity per resource; resources not named are unlimited. */
  capacities: ResourceMap;
  /** Hard limit on tasks running at once. */
  maxConcurrent: number;
  /** Outputs of tasks finished before this round (a resumed or re-planned run). */
  completed?: ReadonlyMap<string, unknown>;
}

export type Grant =
  | { kind: 'granted'; agentId: string; release: () => void }
  | { kind: 'no-agent'; reason: string }
  | { kind: 'cancelled'; reason: string };

export type DependencyResult =
  | { ok: true; outputs: Record<string, unknown> }
  | { ok: false; reason: string };

interface Waiter {
  task: DispatchTask;
  capability: string | undefined;
  exclude: ReadonlySet<string>;
  resolve: (grant: Grant) => void;
}

const byPriority = (a: DispatchTask, b: DispatchTask): number =>
  b.priority - a.priority || b.tail - a.tail || a.index - b.index;

/**
 * Starts work the moment its dependencies are done and its agent and resources are free, highest
 * priority first. Limits are checked on every grant, so they hold at every instant: global
 * concurrency, each resource's capacity, each agent's slots, and the coordination mutex.
 * A task that does not fit never holds back a later one that does.
 */
export class Dispatcher {
  private readonly tasks = new Map<string, DispatchTask>();
  private readonly outputs = new Map<string, unknown>();
  private readonly failed = new Map<string, string>();
  private readonly dependencyWaiters = new Map<string, Array<() => void>>();
  private waiting: Waiter[] = [];
  private readonly usage = new Map<string, number>();
  private running = 0;
  private mutexHeld = false;
  private cancelled: string | undefined;
  private pumpScheduled = false;

  constructor(private readonly options: DispatcherOptions) {
    for (const task of options.tasks) this.tasks.set(task.id, task);
    for (const [id, output] of options.completed ?? []) this.outputs.set(id, output);
  }

  /** Tasks running now (for tests and metrics). */
  get runningCount(): number {
    return this.running;
  }

  /** Units of a resource held now. */
  used(resource: string): number {
    return this.usage.get(resource) ?? 0;
  }

  /** Resolves once every dependency finished: with their outputs, or with the reason one failed. */
  waitForDependencies(taskId: string): Promise<DependencyResult> {
    return new Promise((resolve) => {
      const check = (): void => {
        const result = this.dependencyState(taskId);
        if (result) resolve(result);
        else this.onDependencyChange(taskId, check);
      };
      check();
    });
  }

  /** Waits for a free agent (not in `exclude`) and resources, in priority order. */
  acquire(taskId: string, options: { capability?: string | undefined; exclude?: ReadonlySet<string> } = {}): Promise<Grant> {
    const task = this.taskOf(taskId);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        task,
        capability: 'capability' in options ? options.capability : task.capability,
        exclude: options.exclude ?? new Set(),
        resolve,
      };
      let at = this.waiting.findIndex((w) => byPriority(task, w.task) < 0);
      if (at < 0) at = this.waiting.length;
      this.waiting.splice(at, 0, waiter);
      this.schedulePump();
    });
  }

  /**
   * Grants wait for the next macrotask, so every request made in the same burst (tasks that became
   * ready together) is compared by priority before any of them starts.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Records a task's output; dependents may start. */
  complete(taskId: string, output: unknown): void {
    this.outputs.set(taskId, output);
    this.notify(taskId);
  }

  /** Records that a task will not produce an output; its dependents are blocked. */
  fail(taskId: string, reason: string): void {
    if (this.outputs.has(taskId)) return;
    this.failed.set(taskId, reason);
    this.notify(taskId);
  }

  /** Refuses every waiting and future request (the run is failing or cancelled). */
  cancel(reason: string): void {
    this.cancelled = reason;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.resolve({ kind: 'cancelled', reason });
    for (const id of this.dependencyWaiters.keys()) this.notify(id);
  }

  /** Re-examines waiting requests (call it when agents recover or restart). */
  pump(): void {
    if (this.cancelled !== undefined) return this.cancel(this.cancelled);
    for (let i = 0; i < this.waiting.length; ) {
      // At the global limit nothing can start; requests that need no agent at all are found on release.
      if (this.running >= this.options.maxConcurrent) return;
      const waiter = this.waiting[i]!;
      const decision = this.decide(waiter);
      if (decision === 'wait') {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      waiter.resolve(decision === 'no-agent' ? this.noAgent(waiter) : this.grant(waiter, decision));
    }
  }

  private decide(w: Waiter): 'wait' | 'no-agent' | string {
    const { pool } = this.options;
    const candidates = pool.capable(w.capability).filter((id) => !w.exclude.has(id));
    // Busy or restarting agents come back; broken ones (open circuit) do not, soon enough to wait for.
    if (!candidates.some((id) => pool.health(id) !== 'unhealthy' || pool.available(id))) return 'no-agent';
    if (this.running >= this.options.maxConcurrent) return 'wait';
    if (w.task.exclusive && this.mutexHeld) return 'wait';
    for (const [resource, amount] of Object.entries(w.task.resources)) {
      const capacity = this.options.capacities[resource];
      if (capacity !== undefined && this.used(resource) + amount > capacity) return 'wait';
    }
    const free = candidates.filter((id) => pool.available(id));
    if (free.length === 0) return 'wait';
    const rank = (id: string): number => (pool.health(id) === 'healthy' ? 0 : 1);
    free.sort((a, b) => rank(a) - rank(b) || pool.load(a) - pool.load(b) || (a < b ? -1 : 1));
    return free[0]!;
  }

  private grant(w: Waiter, agentId: string): Grant {
    const { task } = w;
    this.running++;
    if (task.exclusive) this.mutexHeld = true;
    for (const [resource, amount] of Object.entries(task.resources)) this.usage.set(resource, this.used(resource) + amount);
    this.options.pool.begin(agentId);
    let released = false;
    return {
      kind: 'granted',
      agentId,
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        if (task.exclusive) this.mutexHeld = false;
        for (const [resource, amount] of Object.entries(task.resources)) this.usage.set(resource, this.used(resource) - amount);
        this.options.pool.end(agentId);
        this.schedulePump();
      },
    };
  }

  private noAgent(w: Waiter): Grant {
    const capability = w.capability === undefined ? 'any capability' : `capability '${w.capability}'`;
    return { kind: 'no-agent', reason: `no healthy agent with ${capability} is left` };
  }

  private dependencyState(taskId: string): DependencyResult | undefined {
    if (this.cancelled !== undefined) return { ok: false, reason: this.cancelled };
    const outputs: Record<string, unknown> = {};
    for (const dep of this.taskOf(taskId).dependsOn) {
      const failure = this.failed.get(dep);
      if (failure !== undefined) return { ok: false, reason: `dependency '${dep}' failed: ${failure}` };
      if (!this.outputs.has(dep)) return undefined;
      outputs[dep] = this.outputs.get(dep);
    }
    return { ok: true, outputs };
  }

  private onDependencyChange(taskId: string, listener: () => void): void {
    for (const dep of this.taskOf(taskId).dependsOn) {
      if (this.outputs.has(dep)) continue;
      const list = this.dependencyWaiters.get(dep) ?? [];
      list.push(listener);
      this.dependencyWaiters.set(dep, list);
      return; // one unfinished dependency at a time: re-checked when it settles
    }
  }

  private notify(taskId: string): void {
    const listeners = this.dependencyWaiters.get(taskId);
    if (!listeners) return;
    this.dependencyWaiters.delete(taskId);
    for (const listener of listeners) listener();
  }

  private taskOf(taskId: string): DispatchTask {
    const task = this.tasks.get(taskId);
    if (!task) throw new NoError("INTERNAL_ERROR", `dispatcher: unknown task '${taskId}'`, { details: { taskId } });
    return task;
  }
}
