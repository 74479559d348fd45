import fc from 'fast-check';
import { createAgentNetwork, createAgentRegistry } from '../../src/network/index';
import { decide, tallyBallots } from '../../src/coordination/index';
import { BALLOT_MESSAGE_TYPE, type ConsensusMethod } from '../../src/contracts/consensus';
import type { DeliveredMessage } from '../../src/contracts/network';

const MAX_VOTERS = 9;
const registry = createAgentRegistry();
const ids = Array.from({ length: MAX_VOTERS }, (_, i) => `v${i}`);
for (const id of ids) registry.register({ id });
const network = createAgentNetwork({ registry });
const sign = (from: string, voter: string, choice: unknown): DeliveredMessage =>
  network.sign(from, { to: 'tally' }, { type: BALLOT_MESSAGE_TYPE, payload: { proposalId: 'p', voter, choice } });

/** What one voter does: casts one answer, casts none, equivocates, or forges a ballot for another voter. */
const behaviour = fc.oneof(
  fc.record({ kind: fc.constant('vote' as const), choice: fc.constantFrom('a', 'b', 'c'), copies: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('silent' as const) }),
  fc.record({ kind: fc.constant('equivocate' as const), first: fc.constantFrom('a', 'b'), second: fc.constantFrom('c', 'd') }),
  fc.record({ kind: fc.constant('forge' as const), victim: fc.nat(MAX_VOTERS - 1), choice: fc.constantFrom('a', 'b', 'c') }),
);

const scenario = fc
  .record({
    behaviours: fc.array(behaviour, { minLength: 1, maxLength: MAX_VOTERS }),
    method: fc.constantFrom<ConsensusMethod>('majority', 'weighted', 'unanimous'),
    weights: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: MAX_VOTERS, maxLength: MAX_VOTERS }),
    quorumPick: fc.nat(),
    seed: fc.nat(),
  })
  .map((s) => ({ ...s, quorum: 1 + (s.quorumPick % s.behaviours.length) }));

describe('consensus decisions (property)', () => {
  it('never contradict a quorum of valid ballots, and count only valid, signed, single-minded ballots', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ behaviours, method, weights, quorum, seed }) => {
        const voters = ids.slice(0, behaviours.length);
        const messages: DeliveredMessage[] = [];
        const valid = new Map<string, string>();
        behaviours.forEach((b, i) => {
          const voter = voters[i]!;
          if (b.kind === 'vote') {
            for (let c = 0; c < b.copies; c++) messages.push(sign(voter, voter, b.choice));
            valid.set(voter, b.choice);
          } else if (b.kind === 'equivocate') {
            messages.push(sign(voter, voter, b.first), sign(voter, voter, b.second));
          } else if (b.kind === 'forge') {
            const victim = ids[b.victim]!;
            if (victim !== voter) {
              messages.push(sign(voter, victim, b.choice)); // claims the victim, signed by itself
              messages.push({ ...sign(voter, victim, b.choice), from: victim }); // claims the victim's signature
            }
          }
        });
        // Arrival order does not matter.
        const shuffled = messages.map((m, i) => [((i + 1) * 2654435761 + seed) % 4294967296, m] as const).sort((x, y) => x[0] - y[0]).map(([, m]) => m);
        const weightOf = (v: string): number => (method === 'weighted' ? weights[ids.indexOf(v)]! : 1);
        const tally = tallyBallots({ proposalId: 'p', voters, messages: shuffled, identityOf: (id) => network.identity(id), weightOf });
        const decision = await decide('p', voters, tally, { method, quorum });

        // Only valid ballots count, each once.
        expect(new Map(decision.ballots.map((b) => [b.voter, b.choice]))).toEqual(valid);
        expect(decision.ballots).toHaveLength(valid.size);

        const counted = valid.size;
        const share = new Map<string, number>();
        let total = 0;
        for (const [voter, choice] of valid) {
          share.set(choice, (share.get(choice) ?? 0) + weightOf(voter));
          total += weightOf(voter);
        }
        if (counted < quorum) expect(decision.outcome).toBe('no-quorum');
        if (decision.outcome === 'decided') {
          expect(counted).toBeGreaterThanOrEqual(quorum);
          const x = decision.value as string;
          // No other answer holds a majority (of ballots, or of weight) of the valid ballots.
          for (const [y, s] of share) if (y !== x) expect(2 * s).toBeLessThan(total);
          if (method === 'unanimous') expect([...valid.values()].every((c) => c === x)).toBe(true);
          else expect(2 * share.get(x)!).toBeGreaterThan(total);
        }
        // A quorum of valid ballots agreeing on a majority answer is always decided that way.
        for (const [x, s] of share) {
          if (counted >= quorum && 2 * s > total && method !== 'unanimous') expect(decision).toMatchObject({ outcome: 'decided', value: x });
          if (counted >= quorum && s === total && total > 0 && share.size === 1) expect(decision).toMatchObject({ outcome: 'decided', value: x });
        }
      }),
      { numRuns: 300 },
    );
  });
});
