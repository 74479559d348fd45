import { createAgentNetwork, createAgentRegistry, type AgentNetwork } from '../../src/network/index';
import { createConsensus, tallyBallots } from '../../src/coordination/index';
import { BALLOT_MESSAGE_TYPE } from '../../src/contracts/consensus';
import type { DeliveredMessage } from '../../src/contracts/network';

const TALLY = 'consensus-tally';

function setup(n: number): { network: AgentNetwork; voters: string[] } {
  const registry = createAgentRegistry();
  const voters = Array.from({ length: n }, (_, i) => `v${i + 1}`);
  for (const id of voters) registry.register({ id });
  registry.register({ id: 'outsider' });
  return { network: createAgentNetwork({ registry }), voters };
}

const ballot = (proposalId: string, voter: string, choice: unknown) => ({ type: BALLOT_MESSAGE_TYPE, payload: { proposalId, voter, choice } });

describe('byzantine voters', () => {
  it.each([
    [4, 1],
    [7, 2],
    [10, 3],
  ])('with n = %i voters the truth stands despite f = %i that lie, equivocate or forge', async (n, f) => {
    const { network, voters } = setup(n);
    const byzantine = new Set(voters.slice(n - f));
    const kinds = ['lie', 'equivocate', 'forge'] as const;
    const kindOf = (v: string): (typeof kinds)[number] => kinds[[...byzantine].indexOf(v) % kinds.length]!;
    const consensus = createConsensus({
      network,
      voters,
      quorum: n - f,
      ask: async (voter, _q, { proposalId }) => {
        if (!byzantine.has(voter)) return 'truth';
        switch (kindOf(voter)) {
          case 'lie':
            return 'lie';
          case 'equivocate':
            // Tells the tally two stories: one ballot sent directly, another as its answer.
            await network.sendMessage(voter, TALLY, ballot(proposalId, voter, 'lie'));
            return 'truth';
          case 'forge': {
            // A ballot in an honest voter's name, signed with its own key: the signature cannot be v1's.
            const signed = network.sign(voter, { to: TALLY }, ballot(proposalId, 'v1', 'lie'));
            await expect(network.deliver({ ...signed, from: 'v1' })).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
            // Signed honestly by itself but claiming to be v1: it reaches the tally, which refuses it.
            await network.sendMessage(voter, TALLY, ballot(proposalId, 'v1', 'lie'));
            return 'lie';
          }
        }
      },
    });
    const decision = await consensus.proposeAndVote({ id: `p-${n}`, question: 'which?' });
    expect(decision).toMatchObject({ outcome: 'decided', value: 'truth' });
    expect(decision.support).toBeGreaterThanOrEqual(n - f);
    for (const b of byzantine) {
      if (kindOf(b) === 'equivocate') {
        expect(decision.rejected.filter((r) => r.voter === b).map((r) => r.reason)).toEqual(['equivocation', 'equivocation']);
        expect(decision.ballots.some((x) => x.voter === b)).toBe(false);
      }
      if (kindOf(b) === 'forge') expect(decision.rejected).toContainEqual(expect.objectContaining({ voter: b, reason: 'forged' }));
    }
  });

  it('with more than f liars the lie is not decided against a split honest side, but a tie or no decision is reported', async () => {
    // n = 4, two liars: exceeds f = 1; the rule never decides a value without a majority.
    const { network, voters } = setup(4);
    const consensus = createConsensus({ network, voters, ask: (v) => (v === 'v1' || v === 'v2' ? 'truth' : 'lie') });
    const decision = await consensus.proposeAndVote({ question: 'q' });
    expect(decision.outcome).toBe('tie');
  });

  it('rejects ballots that do not verify, come from outsiders, or are malformed', () => {
    const { network, voters } = setup(3);
    const good = network.sign('v1', { to: TALLY }, ballot('p', 'v1', 'a'));
    const tampered: DeliveredMessage = { ...network.sign('v2', { to: TALLY }, ballot('p', 'v2', 'a')), payload: { proposalId: 'p', voter: 'v2', choice: 'b' } };
    const stolen: DeliveredMessage = { ...network.sign('v3', { to: TALLY }, ballot('p', 'v3', 'a')), signature: good.signature };
    const outsider = network.sign('outsider', { to: TALLY }, ballot('p', 'outsider', 'a'));
    const malformed = network.sign('v1', { to: TALLY }, { type: BALLOT_MESSAGE_TYPE, payload: { proposalId: 'p', voter: 'v1', choice: 'a', extra: 1 } });
    const otherProposal = network.sign('v2', { to: TALLY }, ballot('q', 'v2', 'z'));
    const tally = tallyBallots({
      proposalId: 'p',
      voters,
      messages: [good, good, tampered, stolen, outsider, malformed, otherProposal],
      identityOf: (id) => network.identity(id),
    });
    expect(tally.ballots.map((b) => b.voter)).toEqual(['v1']);
    expect(tally.rejected.map((r) => [r.voter, r.reason])).toEqual([
      ['v2', 'bad-signature'],
      ['v3', 'bad-signature'],
      ['outsider', 'not-a-voter'],
      ['v1', 'malformed'],
    ]);
    expect(tally.abstentions).toEqual([{ voter: 'v2', reason: 'no-ballot' }, { voter: 'v3', reason: 'no-ballot' }]);
  });
});
