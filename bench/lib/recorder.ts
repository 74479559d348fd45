/**
 * What the makespan benches share: a recorder of task bodies' start and end times, and the lower
 * bound of a layered DAG's makespan. Nothing here is timed itself.
 */
import { sleep } from './loop-bench.js';

/** A task of a bench DAG, listed after all of its dependencies. */
export interface BoundTask {
  id: string;
  dependsOn: readonly string[];
}

/** max(longest path, work / capacity) with the given duration of each task (tasks in dependency order). */
export function lowerBound<T extends BoundTask>(tasks: readonly T[], ms: (t: T) => number, capacity: number): { bound: number; criticalPath: number; workOverCapacity: number } {
  const finish = new Map<string, number>();
  for (const t of tasks) finish.set(t.id, Math.max(0, ...t.dependsOn.map((d) => finish.get(d)!)) + ms(t));
  const criticalPath = Math.max(...finish.values());
  const workOverCapacity = tasks.reduce((sum, t) => sum + ms(t), 0) / capacity;
  return { bound: Math.max(criticalPath, workOverCapacity), criticalPath, workOverCapacity };
}

/** What one run of either side measured, from inside the task bodies. */
export class Recorder {
  first = Number.POSITIVE_INFINITY;
  last = 0;
  readonly actual = new Map<string, number>();
  /** [start, end] of each task body, by the slot (agent or semaphore slot) that ran it. */
  readonly bySlot = new Map<string, Array<[number, number]>>();
  async run(id: string, ms: number, slot = 'any'): Promise<void> {
    const at = performance.now();
    this.first = Math.min(this.first, at);
    await sleep(ms);
    const end = performance.now();
    this.last = Math.max(this.last, end);
    this.actual.set(id, end - at);
    const list = this.bySlot.get(slot) ?? [];
    list.push([at, end]);
    this.bySlot.set(slot, list);
  }
  /** Idle time between one task's end and the next start on the same slot. */
  handoffGaps(): number[] {
    const gaps: number[] = [];
    for (const list of this.bySlot.values()) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) gaps.push(list[i]![0] - list[i - 1]![1]);
    }
    return gaps;
  }
  get span(): number {
    return this.last - this.first;
  }
}
