import { createAgentNetwork, createAgentRegistry, type AgentNetwork } from '../../src/network/index';
import { ABSTAIN, createConsensus, normalizeText } from '../../src/coordination/index';
import { BALLOT_MESSAGE_TYPE } from '../../src/contracts/consensus';
import { isNoError } from '../../src/contracts/errors';

function setup(ids: string[], capability = 'vote'): AgentNetwork {
  const registry = createAgentRegistry();
  for (const id of ids) registry.register({ id, capabilities: [capability] });
  return createAgentNetwork({ registry });
}
const voters = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i + 1}`);

describe('createConsensus().proposeAndVote', () => {
  it('decides the answer held by a majority of signed ballots', async () => {
    const network = setup(voters(5));
    const answers: Record<string, string> = { v1: 'yes', v2: 'yes', v3: 'no', v4: 'yes', v5: 'no' };
    const consensus = createConsensus({ network, voters: voters(5), ask: (v) => answers[v] });
    const decision = await consensus.proposeAndVote({ id: 'p1', question: 'ship it?' });
    expect(decision).toMatchObject({ proposalId: 'p1', outcome: 'decided', value: 'yes', support: 3, quorum: 3, method: 'majority' });
    expect(decision.ballots.map((b) => [b.voter, b.choice])).toEqual([['v1', 'yes'], ['v2', 'yes'], ['v3', 'no'], ['v4', 'yes'], ['v5', 'no']]);
    // Each counted ballot is the signed message its voter sent to the tally.
    for (const ballot of decision.ballots) expect(ballot.message).toMatchObject({ from: ballot.voter, to: 'consensus-tally', type: BALLOT_MESSAGE_TYPE });
    expect(decision.abstentions).toEqual([]);
    expect(decision.rejected).toEqual([]);
  });

  it('finds voters by capability in the network registry', async () => {
    const registry = createAgentRegistry();
    for (const id of ['a', 'b', 'c']) registry.register({ id, capabilities: ['judge'] });
    registry.register({ id: 'other', capabilities: ['write'] });
    const network = createAgentNetwork({ registry });
    const asked: string[] = [];
    const consensus = createConsensus({ network, voters: { capability: 'judge' }, ask: (v) => (asked.push(v), 42) });
    const decision = await consensus.proposeAndVote({ question: 'x' });
    expect(asked.sort()).toEqual(['a', 'b', 'c']);
    expect(decision).toMatchObject({ outcome: 'decided', value: 42, voters: ['a', 'b', 'c'] });
  });

  it('reports a tie, and no winner, when the leading answers have equal votes', async () => {
    const network = setup(voters(4));
    const answers: Record<string, string> = { v1: 'a', v2: 'b', v3: 'a', v4: 'b' };
    const decision = await createConsensus({ network, voters: voters(4), ask: (v) => answers[v] }).proposeAndVote({ question: 'q' });
    expect(decision.outcome).toBe('tie');
    expect(decision.tied).toEqual(['a', 'b']);
    expect(decision.value).toBeUndefined();
    expect(decision.reason).toMatch(/tie/);
  });

  it('decides nothing without a quorum: abstentions and failed voters are not counted', async () => {
    const network = setup(voters(5));
    const consensus = createConsensus({
      network,
      voters: voters(5),
      quorum: 3,
      timeoutMs: 50,
      ask: async (v) => {
        if (v === 'v1') return 'yes';
        if (v === 'v2') return 'yes';
        if (v === 'v3') return ABSTAIN;
        if (v === 'v4') throw new Error('model down');
        return new Promise(() => undefined); // never answers: times out
      },
    });
    const decision = await consensus.proposeAndVote({ question: 'q' });
    expect(decision.outcome).toBe('no-quorum');
    expect(decision.reason).toMatch(/2 counted ballot\(s\), fewer than the quorum of 3/);
    expect(decision.abstentions).toEqual([
      { voter: 'v3', reason: 'abstained' },
      { voter: 'v4', reason: 'failed' },
      { voter: 'v5', reason: 'failed' },
    ]);
  });

  it('is undecided when the leader lacks a majority, and under unanimous when anyone disagrees', async () => {
    const network = setup(voters(5));
    const answers: Record<string, string> = { v1: 'a', v2: 'a', v3: 'b', v4: 'c', v5: 'd' };
    const majority = await createConsensus({ network, voters: voters(5), ask: (v) => answers[v] }).proposeAndVote({ question: 'q' });
    expect(majority).toMatchObject({ outcome: 'undecided' });
    const unanimous = await createConsensus({ network, voters: voters(3), method: 'unanimous', ask: (v) => (v === 'v3' ? 'no' : 'yes') }).proposeAndVote({ question: 'q' });
    expect(unanimous).toMatchObject({ outcome: 'undecided', method: 'unanimous' });
    const agreed = await createConsensus({ network, voters: voters(3), method: 'unanimous', ask: () => 'yes' }).proposeAndVote({ question: 'q' });
    expect(agreed).toMatchObject({ outcome: 'decided', value: 'yes', support: 3 });
  });

  it('weighs ballots under weighted', async () => {
    const network = setup(voters(3));
    const answers: Record<string, string> = { v1: 'expert', v2: 'crowd', v3: 'crowd' };
    const decision = await createConsensus({ network, voters: voters(3), method: 'weighted', weights: { v1: 3 }, ask: (v) => answers[v] }).proposeAndVote({ question: 'q' });
    expect(decision).toMatchObject({ outcome: 'decided', value: 'expert', support: 3 });
    expect(decision.ballots.map((b) => b.weight)).toEqual([3, 1, 1]);
  });

  it('runs instant runoff under ranked', async () => {
    const network = setup(voters(5));
    const rankings: Record<string, string[]> = {
      v1: ['a', 'c'], v2: ['a', 'c'], v3: ['b', 'c'], v4: ['c', 'b'], v5: ['b', 'c'],
    };
    // First round a 2, b 2, c 1: c is eliminated, v4's ballot goes to b, which wins 3 to 2.
    const decision = await createConsensus({ network, voters: voters(5), method: 'ranked', ask: (v) => rankings[v] }).proposeAndVote({ question: 'q' });
    expect(decision).toMatchObject({ outcome: 'decided', value: 'b', support: 3 });
  });

  it('compares answers through normalize, equals or a judge', async () => {
    const network = setup(voters(3));
    const answers: Record<string, string> = { v1: ' Paris ', v2: 'paris', v3: 'PARIS.' };
    const ask = (v: string): string => answers[v]!;
    const exact = await createConsensus({ network, voters: voters(3), ask }).proposeAndVote({ question: 'capital?' });
    expect(exact.outcome).toBe('tie');
    const normalized = await createConsensus({ network, voters: voters(3), ask, normalize: normalizeText }).proposeAndVote({ question: 'capital?' });
    expect(normalized).toMatchObject({ outcome: 'decided', value: ' Paris ', support: 2 });
    const equals = await createConsensus({
      network, voters: voters(3), ask, normalize: normalizeText,
      equals: (a, b) => String(a).replace(/\W/g, '') === String(b).replace(/\W/g, ''),
    }).proposeAndVote({ question: 'capital?' });
    expect(equals).toMatchObject({ outcome: 'decided', support: 3 });
    const judged: Array<[unknown, unknown]> = [];
    const judge = await createConsensus({
      network, voters: voters(3), ask,
      judge: async (a, b) => (judged.push([a, b]), String(a).toLowerCase().includes('paris') && String(b).toLowerCase().includes('paris')),
    }).proposeAndVote({ question: 'capital?' });
    expect(judge).toMatchObject({ outcome: 'decided', value: ' Paris ', support: 3 });
    // The judge sees the answers as given, once per pair of distinct groups.
    expect(judged).toEqual([[' Paris ', 'paris'], [' Paris ', 'PARIS.']]);
  });

  it('calls onDecision listeners and writes an audit record', async () => {
    const network = setup(voters(3));
    const consensus = createConsensus({ network, voters: voters(3), ask: () => 1 });
    const seen: string[] = [];
    const off = consensus.onDecision((d) => seen.push(`${d.proposalId}:${d.outcome}`));
    await consensus.proposeAndVote({ id: 'x', question: 'q' });
    off();
    await consensus.proposeAndVote({ id: 'y', question: 'q' });
    expect(seen).toEqual(['x:decided']);
    expect(network.audit.entries().filter((e) => e.action === 'consensus.decide')).toHaveLength(2);
  });

  it('refuses bad settings with errors that say how to fix them', async () => {
    const network = setup(voters(3));
    const quorum = createConsensus({ network, voters: voters(3), quorum: 4, ask: () => 1 });
    await expect(quorum.proposeAndVote({ question: 'q' })).rejects.toThrow(/quorum must be a whole number from 1 to the 3 voter\(s\), got 4: lower the quorum or add voters/);
    const none = createConsensus({ network, voters: { capability: 'nobody' }, ask: () => 1 });
    await expect(none.proposeAndVote({ question: 'q' })).rejects.toThrow(/at least one voter/);
    expect(() => createConsensus({ network, voters: voters(3), method: 'plurality' as never, ask: () => 1 })).toThrow(/use one of majority, weighted, ranked, unanimous/);
    const stranger = createConsensus({ network, voters: ['v1', 'ghost'], ask: () => 1 });
    await expect(stranger.proposeAndVote({ question: 'q' })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND', message: expect.stringMatching(/ghost are not registered.*register them/) });
    const twice = createConsensus({ network, voters: ['v1', 'v1'], ask: () => 1 });
    const error = await twice.proposeAndVote({ question: 'q' }).catch((e: unknown) => e);
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(() => createConsensus({} as never)).toThrow(/needs the agent network the ballots travel on/);
    expect(() => createConsensus({ network } as never)).toThrow(/needs voters/);
    expect(() => createConsensus({ network, voters: voters(3) } as never)).toThrow(/needs ask/);
  });

  it('asks at most maxConcurrent voters at once', async () => {
    const network = setup(voters(5));
    let running = 0;
    let peak = 0;
    const consensus = createConsensus({
      network, voters: voters(5), maxConcurrent: 2,
      ask: async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return 'x';
      },
    });
    expect(await consensus.proposeAndVote({ question: 'q' })).toMatchObject({ outcome: 'decided', support: 5 });
    expect(peak).toBe(2);
  });

  it('stops when the caller aborts', async () => {
    const network = setup(voters(3));
    const controller = new AbortController();
    const consensus = createConsensus({ network, voters: voters(3), ask: (_v, _q, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) });
    const pending = consensus.proposeAndVote({ question: 'q' }, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow();
  });
});
