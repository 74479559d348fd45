import { NoError } from '../contracts/errors.js';

/**
 * Simulated network partitions: pairs of agent groups that cannot reach each other, in either
 * direction. Agents in no group reach everyone.
 */
export interface PartitionTable {
  add(groupA: readonly string[], groupB: readonly string[]): void;
  heal(): void;
  /** True when a message from `from` may not reach `to` now. */
  blocks(from: string, to: string): boolean;
  active(): boolean;
  /** The groups, in the order they were split off. */
  groups(): string[][];
}

export function createPartitionTable(): PartitionTable {
  let pairs: Array<[Set<string>, Set<string>]> = [];
  return {
    add(groupA, groupB) {
      const a = new Set(groupA);
      const overlap = groupB.filter((id) => a.has(id));
      if (overlap.length > 0) {
        throw new NoError('INVALID_INPUT', `an agent cannot be on both sides of a partition: ${overlap.join(', ')}`, {
          details: { overlap },
        });
      }
      pairs.push([a, new Set(groupB)]);
    },
    heal() {
      pairs = [];
    },
    blocks(from, to) {
      for (const [a, b] of pairs) {
        if ((a.has(from) && b.has(to)) || (b.has(from) && a.has(to))) return true;
      }
      return false;
    },
    active: () => pairs.length > 0,
    groups: () => pairs.flatMap(([a, b]) => [[...a], [...b]]),
  };
}
