import type { ConsensusMethod } from '../contracts/consensus.js';

/**
 * A counted ballot reduced to answer groups: `ranking[0]` is the group of its answer (for `ranked`,
 * its first preference, then the next ones). Groups are numbers so the rule below is pure and cheap.
 */
export interface GroupedBallot {
  weight: number;
  ranking: readonly number[];
}

export type GroupDecision =
  | { outcome: 'decided'; group: number; support: number }
  | { outcome: 'tie'; groups: number[]; reason: string }
  | { outcome: 'no-quorum'; reason: string }
  | { outcome: 'undecided'; reason: string };

/**
 * The decision rule, on answer groups. Fewer counted ballots than `quorum` decide nothing
 * ('no-quorum'); otherwise the method's rule applies, and a decided group always holds more than
 * half of what was counted (ballots, weight, or ballots still counting in the last runoff round),
 * so no other answer can hold a quorum larger than half of the ballots at the same time.
 */
export function decideGroups(ballots: readonly GroupedBallot[], method: ConsensusMethod, quorum: number): GroupDecision {
  const counted = ballots.length;
  if (counted < quorum) {
    return { outcome: 'no-quorum', reason: `${counted} counted ballot(s), fewer than the quorum of ${quorum}` };
  }
  switch (method) {
    case 'majority':
      return byShare(ballots.map((b) => [b.ranking[0]!, 1] as const), 'ballots');
    case 'weighted':
      return byShare(ballots.map((b) => [b.ranking[0]!, b.weight] as const), 'weight');
    case 'unanimous': {
      const first = ballots[0]!.ranking[0]!;
      if (ballots.every((b) => b.ranking[0] === first)) return { outcome: 'decided', group: first, support: counted };
      return { outcome: 'undecided', reason: `${new Set(ballots.map((b) => b.ranking[0])).size} different answers among ${counted} ballots, and the method is 'unanimous'` };
    }
    case 'ranked':
      return instantRunoff(ballots);
  }
}

/** More than half of the total share wins; equal leaders tie; a lone leader short of half is undecided. */
function byShare(shares: ReadonlyArray<readonly [number, number]>, unit: string): GroupDecision {
  const totals = new Map<number, number>();
  let total = 0;
  for (const [group, share] of shares) {
    totals.set(group, (totals.get(group) ?? 0) + share);
    total += share;
  }
  const { leaders, top } = leadersOf(totals);
  if (total > 0 && top * 2 > total) return { outcome: 'decided', group: leaders[0]!, support: top };
  if (leaders.length > 1) return { outcome: 'tie', groups: leaders, reason: `${leaders.length} answers tie with ${top} of ${total} ${unit} each` };
  return { outcome: 'undecided', reason: `the leading answer has ${top} of ${total} ${unit}, not more than half` };
}

function leadersOf(totals: ReadonlyMap<number, number>): { leaders: number[]; top: number } {
  let top = Number.NEGATIVE_INFINITY;
  let leaders: number[] = [];
  for (const [group, value] of totals) {
    if (value > top) [top, leaders] = [value, [group]];
    else if (value === top) leaders.push(group);
  }
  return { leaders: leaders.sort((a, b) => a - b), top };
}

/**
 * Instant runoff: each round counts every ballot for its best answer still running; an answer with
 * more than half of the ballots still counting wins; otherwise every answer with the fewest votes
 * is eliminated. When all the answers left have the fewest votes, they tie.
 */
function instantRunoff(ballots: readonly GroupedBallot[]): GroupDecision {
  const running = new Set<number>();
  for (const b of ballots) for (const g of b.ranking) running.add(g);
  for (let round = 1; running.size > 0; round++) {
    const totals = new Map<number, number>([...running].map((g) => [g, 0]));
    let counting = 0;
    for (const b of ballots) {
      const best = b.ranking.find((g) => running.has(g));
      if (best === undefined) continue;
      totals.set(best, totals.get(best)! + 1);
      counting++;
    }
    const { leaders, top } = leadersOf(totals);
    if (counting > 0 && top * 2 > counting) return { outcome: 'decided', group: leaders[0]!, support: top };
    const fewest = Math.min(...totals.values());
    const last = [...running].filter((g) => totals.get(g) === fewest);
    if (last.length === running.size) {
      return { outcome: 'tie', groups: last.sort((a, b) => a - b), reason: `${last.length} answers tie with ${fewest} vote(s) each in runoff round ${round}` };
    }
    for (const g of last) running.delete(g);
  }
  return { outcome: 'undecided', reason: 'no ballot ranks any answer' };
}
