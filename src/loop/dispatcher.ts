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
  // Tasks that have had an agent in this run; while holding, only they get one again.
  private readonly started = new Set<string>();
  private holding = false;
  private pumpScheduled = false;
  private stopWatchingPool: (() => void) | undefined;

  constructor(private readonly options: DispatcherOptions) {
    for (const task of options.tasks) this.tasks.set(task.id, task);
    for (const [id, output] of options.completed ?? []) this.outputs.set(id, output);
  }

  /**
   * Tasks whose dependencies are done that are neither running nor finished: they wait for an
   * agent, resources, a backoff or their turn in the issue window. Walks every task, so it is for a
   * metric reader's occasional collect, never for the dispatch path.
   */
  backlog(): number {
    if (this.cancelled !== undefined) return 0;
    let ready = 0;
    for (const id of this.tasks.keys()) if (!this.outputs.has(id) && !this.failed.has(id) && this.dependenciesMet(id)) ready++;
    return Math.max(0, ready - this.running);
  }

  /** Tasks waiting for an agent or resources now, by capability ('' for none): an autoscaler's backlog. */
  waitingByCapability(): Map<string, number> {
    const out = new Map<string, number>();
    for (const w of this.waiting) out.set(w.capability ?? '', (out.get(w.capability ?? '') ?? 0) + 1);
    return out;
  }

  /** Tasks running now (for tests and metrics). */
  get runningCount(): number {
    return this.running;
  }

  /** Units of a resource held now. */
  used(resource: string): number {
    return this.usage.get(resource) ?? 0;
  }

  /** Whether every dependency has its output: the one record of what is done in this run. */
  dependenciesMet(taskId: string): boolean {
    for (const dep of this.taskOf(taskId).dependsOn) if (!this.outputs.has(dep)) return false;
    return true;
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
      this.watchPool();
      this.schedulePump();
    });
  }

  /**
   * Other runs of the same loop share the pool: a slot one of them frees must wake this run's waiters
   * too, or two runs that together want more than an agent's slots wait for each other forever. The
   * subscription lives only while something waits, so a finished run leaves nothing behind.
   */
  private watchPool(): void {
    this.stopWatchingPool ??= this.options.pool.onCapacityFreed(() => this.schedulePump());
  }

  private unwatchPool(): void {
    this.stopWatchingPool?.();
    this.stopWatchingPool = undefined;
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

  /** Refuses every waiting and future request (the run is failing or cancelled); the first reason stays. */
  cancel(reason: string): void {
    this.cancelled ??= reason;
    const waiting = this.waiting;
    this.waiting = [];
    this.unwatchPool();
    for (const w of waiting) w.resolve({ kind: 'cancelled', reason: this.cancelled });
    for (const id of this.dependencyWaiters.keys()) this.notify(id);
  }

  /**
   * From now on grants an agent only to tasks that had one before in this run (a retry, a move to
   * another agent): a draining loop lets the tasks it started finish and starts no other. The rest
   * wait until the run ends or is cancelled.
   */
  hold(): void {
    this.holding = true;
  }

  /** Whether a task has had an agent in this run. */
  hasStarted(taskId: string): boolean {
    return this.started.has(taskId);
  }

  /** Re-examines waiting requests (call it when agents recover or restart). */
  pump(): void {
    if (this.cancelled !== undefined) return this.cancel(this.cancelled);
    if (this.waiting.length === 0) return this.unwatchPool();
    const { pool } = this.options;
    // One pass over the agents per pump, not one per waiting task: with many agents and many waiting
    // tasks, per-waiter scans made every dispatch O(agents × waiting).
    let free = pool.ids().filter((id) => pool.available(id));
    const usable = new Map<string | undefined, boolean>();
    // Busy or restarting agents come back; broken ones (open circuit) do not, soon enough to wait for.
    const alive = (id: string): boolean => pool.health(id) !== 'unhealthy' || pool.available(id);
    const usableFor = (w: Waiter): boolean => {
      if (w.exclude.size > 0) return pool.capable(w.capability).some((id) => !w.exclude.has(id) && alive(id));
      let known = usable.get(w.capability);
      if (known === undefined) usable.set(w.capability, (known = pool.capable(w.capability).some(alive)));
      return known;
    };
    for (let i = 0; i < this.waiting.length; ) {
      // At the global limit nothing can start; requests that need no agent at all are found on release.
      if (this.running >= this.options.maxConcurrent) return;
      const waiter = this.waiting[i]!;
      if (this.holding && !this.started.has(waiter.task.id)) {
        i++;
        continue;
      }
      const decision = usableFor(waiter) ? this.decide(waiter, free) : 'no-agent';
      if (decision === 'wait') {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      if (decision === 'no-agent') {
        waiter.resolve(this.noAgent(waiter));
        continue;
      }
      waiter.resolve(this.grant(waiter, decision));
      if (!pool.available(decision)) free = free.filter((id) => id !== decision);
    }
    if (this.waiting.length === 0) this.unwatchPool();
  }

  /** An agent from `free` for the waiter (healthy first, then least loaded, then by id), or 'wait'. */
  private decide(w: Waiter, free: readonly string[]): 'wait' | string {
    if (w.task.exclusive && this.mutexHeld) return 'wait';
    for (const [resource, amount] of Object.entries(w.task.resources)) {
      const capacity = this.options.capacities[resource];
      if (capacity !== undefined && this.used(resource) + amount > capacity) return 'wait';
    }
    const { pool } = this.options;
    let best: string | undefined;
    let bestRank = 0;
    let bestLoad = 0;
    for (const id of free) {
      if (w.exclude.has(id) || (w.capability !== undefined && !pool.definition(id).capabilities.includes(w.capability))) continue;
      const rank = pool.health(id) === 'healthy' ? 0 : 1;
      const load = pool.load(id);
      if (best === undefined || rank < bestRank || (rank === bestRank && (load < bestLoad || (load === bestLoad && id < best)))) {
        [best, bestRank, bestLoad] = [id, rank, load];
      }
    }
    return best ?? 'wait';
  }

  private grant(w: Waiter, agentId: string): Grant {
    const { task } = w;
    this.started.add(task.id);
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
