import { MemorySaver } from '@langchain/langgraph';
import { createMasterAgentLoop, type AgentDefinition, type MasterLoopOptions } from '../../src/loop/index';
import { createAgentNetwork, createAgentRegistry, createKeyring } from '../../src/network/index';
import type { EventEnvelope } from '../../src/contracts/index';
import { loopWith, rejectionCode, request, sleepMs, thread } from './helpers';

/** A voter agent answering from a table; `gate` holds its answer until released or aborted. */
function voter(id: string, answer: unknown, options: { asked?: string[]; gate?: Promise<void>; capabilities?: string[]; ms?: number } = {}): AgentDefinition {
  return {
    id,
    capabilities: options.capabilities ?? ['answer'],
    run: async (_input, ctx) => {
      options.asked?.push(id);
      if (options.ms) await sleepMs(options.ms, ctx.signal);
      if (options.gate) {
        await Promise.race([
          options.gate,
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
        ]);
      }
      return answer;
    },
  };
}
const decidedEvents = (events: EventEnvelope[]) => events.filter((e) => e.type === 'no.consensus.decided').map((e) => e.data as Record<string, unknown>);

describe('a task with consensus in the master loop', () => {
  it('runs each voter on its own agent, signs the ballots, and completes with the majority answer', async () => {
    const asked: string[] = [];
    const { loop, events } = loopWith([voter('a', 'blue', { asked }), voter('b', 'blue', { asked }), voter('c', 'red', { asked }), voter('d', 'green', { asked })]);
    const out = await loop.invoke(request([{ id: 'pick', capability: 'answer', consensus: { voters: 3 } }]), thread());
    expect(out.status).toBe('completed');
    expect(out.results['pick']).toBe('blue');
    expect(asked.sort()).toEqual(['a', 'b', 'c']);
    const record = out.tasks['pick']!;
    expect(record.consensus).toMatchObject({ outcome: 'decided', method: 'majority', quorum: 2, support: 2, voters: ['a', 'b', 'c'] });
    expect(record.consensus!.ballots.map((b) => [b.voter, b.message.from, b.message.to])).toEqual([
      ['a', 'a', 'no-consensus-tally'], ['b', 'b', 'no-consensus-tally'], ['c', 'c', 'no-consensus-tally'],
    ]);
    expect(record.attempts).toBe(3);
    expect(decidedEvents(events)).toEqual([expect.objectContaining({
      taskId: 'pick', method: 'majority', outcome: 'decided', value: 'blue', support: 2, voters: 3, quorum: 2, ballots: 3,
      abstentions: [], rejected: [], replayedBallots: 0,
    })]);
    // The answer is announced once, as the task's.
    expect(events.filter((e) => e.type === 'orchestration.task.completed')).toHaveLength(1);
  });

  it('asks every agent of a capability and compares text loosely with equality: text', async () => {
    const { loop } = loopWith([
      voter('j1', ' Yes', { capabilities: ['judge'] }), voter('j2', 'yes ', { capabilities: ['judge'] }), voter('j3', 'no', { capabilities: ['judge'] }),
      voter('w', 'irrelevant', { capabilities: ['work'] }),
    ]);
    const out = await loop.invoke(request([{ id: 'q', consensus: { voters: { capability: 'judge' }, equality: 'text' } }]), thread());
    expect(out.results['q']).toBe(' Yes');
    expect(out.tasks['q']!.consensus!.voters).toEqual(['j1', 'j2', 'j3']);
  });

  it('uses the loop’s consensus option to compare answers (a judge)', async () => {
    const { loop } = loopWith([voter('a', 'Paris, France'), voter('b', 'paris'), voter('c', 'Lyon')], {
      consensus: { judge: async (x, y) => String(x).toLowerCase().includes('paris') && String(y).toLowerCase().includes('paris') },
    });
    const out = await loop.invoke(request([{ id: 'capital', capability: 'answer', consensus: { voters: 3 } }]), thread());
    expect(out.results['capital']).toBe('Paris, France');
  });

  it('asks a judge agent whether answers say the same', async () => {
    const judged: unknown[] = [];
    const judge: AgentDefinition = {
      id: 'judge', capabilities: ['judge'],
      run: async (input) => {
        const { kind, a, b } = input as { kind: string; a: string; b: string };
        judged.push([kind, a, b]);
        return { same: a.toLowerCase().includes('paris') && b.toLowerCase().includes('paris') };
      },
    };
    const { loop } = loopWith([voter('a', 'Paris, France'), voter('b', 'paris'), voter('c', 'Lyon'), judge]);
    const out = await loop.invoke(request([{ id: 'capital', capability: 'answer', input: 'capital of France?', consensus: { voters: 3, judge: { capability: 'judge' } } }]), thread());
    expect(out.results['capital']).toBe('Paris, France');
    expect(judged).toEqual([['consensus.judge', 'Paris, France', 'paris'], ['consensus.judge', 'Paris, France', 'Lyon']]);
  });

  it('fails the task, saying so, when the judge agent fails', async () => {
    const judge: AgentDefinition = { id: 'judge', capabilities: ['judge'], run: async () => { throw new Error('judge offline'); } };
    const { loop } = loopWith([voter('a', 'x'), voter('b', 'y'), voter('c', 'z'), judge], { retries: 0 });
    const out = await loop.invoke(request([{ id: 'v', capability: 'answer', retries: 0, consensus: { voters: 3, judge: { capability: 'judge' } } }]), thread());
    expect(out.status).toBe('failed');
    expect(out.tasks['v']!.error!.message).toMatch(/could not compare its answers: the judge \(capability 'judge'\) failed: judge offline/);
  });

  it('counts every voter against the concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    const agents: AgentDefinition[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({
      id, capabilities: ['answer'],
      run: async (_input, ctx) => {
        peak = Math.max(peak, ++running);
        await sleepMs(10, ctx.signal);
        running--;
        return 'x';
      },
    }));
    const { loop } = loopWith(agents);
    const out = await loop.invoke(request([{ id: 'v', capability: 'answer', consensus: { voters: 5 } }], { constraints: { maxConcurrentAgents: 2 }, strategy: 'parallel' }), thread());
    expect(out.results['v']).toBe('x');
    expect(peak).toBe(2);
  });

  it('fails a tied vote with the reason and how to fix it, or completes with the fallback value', async () => {
    const agents = [voter('a', 1), voter('b', 2)];
    const tied = loopWith(agents);
    const out = await tied.loop.invoke(request([{ id: 't', capability: 'answer', consensus: { voters: 2 }, retries: 0 }]), thread());
    expect(out.status).toBe('failed');
    expect(out.tasks['t']!.error!.message).toMatch(/reached no decision \(tie: 2 answers tie.*give the task a fallback value/);
    expect(decidedEvents(tied.events)).toEqual([expect.objectContaining({ outcome: 'tie', ballots: 2 })]);
    const fallback = loopWith(agents);
    const saved = await fallback.loop.invoke(request([{ id: 't', capability: 'answer', consensus: { voters: 2 }, fallback: { value: 'ask a human' } }]), thread());
    expect(saved.results['t']).toBe('ask a human');
    expect(saved.tasks['t']!.usedFallback).toBe(true);
  });

  it('reports no quorum when failed voters abstain', async () => {
    const broken = (id: string): AgentDefinition => ({ id, capabilities: ['answer'], run: async () => { throw new Error('model down'); } });
    const { loop, events } = loopWith([voter('a', 'x'), broken('b'), broken('c')], { retries: 0 });
    const out = await loop.invoke(request([{ id: 'v', capability: 'answer', consensus: { voters: 3 }, retries: 0 }]), thread());
    expect(out.status).toBe('failed');
    expect(decidedEvents(events)).toEqual([expect.objectContaining({
      outcome: 'no-quorum', ballots: 1, quorum: 2,
      abstentions: [{ voter: 'b', reason: 'failed' }, { voter: 'c', reason: 'failed' }],
    })]);
  });

  it('refuses a consensus spec that cannot work, saying how to fix it', async () => {
    const { loop } = loopWith([voter('a', 1)]);
    await expect(loop.invoke(request([{ id: 'v', consensus: { voters: 3, quorum: 4 } }]), thread())).rejects.toThrow(/consensus.quorum \(4\) must be at most consensus.voters \(3\)/);
    await expect(loop.invoke(request([{ id: 'v', consensus: { voters: 0 } }]), thread())).rejects.toThrow(/consensus.voters must be at least 1/);
    expect(await rejectionCode(loop.invoke(request([{ id: 'v', consensus: { voters: 2, weights: { a: 2 } } }]), thread()))).toBe('INVALID_REQUEST');
    const out = await loop.invoke(request([{ id: 'v', capability: 'answer', consensus: { voters: 3 } }]), thread());
    expect(out.tasks['v']!.error!.message).toMatch(/needs 3 distinct agent\(s\) with capability 'answer', the pool has 1: add agents or lower consensus.voters/);
  });

  it('is skipped, asking nobody, when a dependency failed', async () => {
    const asked: string[] = [];
    const broken: AgentDefinition = { id: 'w', capabilities: ['work'], run: async () => { throw new Error('boom'); } };
    const { loop } = loopWith([broken, voter('a', 1, { asked }), voter('b', 1, { asked })], { retries: 0 });
    const out = await loop.invoke(request([
      { id: 'first', capability: 'work', retries: 0 },
      { id: 'vote', capability: 'answer', dependsOn: ['first'], consensus: { voters: 2 } },
    ]), thread());
    expect(out.status).toBe('failed');
    expect(out.tasks['vote']).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(out.tasks['vote']!.idempotencyKey).not.toMatch(/:/);
    expect(asked).toEqual([]);
  });

  it('signs ballots with the loop’s network identities when it has one', async () => {
    const registry = createAgentRegistry();
    const network = createAgentNetwork({ registry });
    const { loop } = loopWith([voter('a', 'x'), voter('b', 'x'), voter('c', 'y')], { network });
    const out = await loop.invoke(request([{ id: 'v', capability: 'answer', consensus: { voters: 3 } }]), thread());
    const ballot = out.tasks['v']!.consensus!.ballots[0]!.message;
    expect(network.identity('a').publicKey).toBeTruthy();
    expect(ballot.from).toBe('a');
    network.close();
  });
});

/** Five voters; d and e hang until the first invoke is stopped (the "crash"); returns who the second invoke asked. */
async function crashMidVote(options: { first?: Partial<MasterLoopOptions>; second?: Partial<MasterLoopOptions> } = {}) {
  const saver = new MemorySaver();
  const asked: string[] = [];
  let blocked = true;
  const hang = (ctx: { signal: AbortSignal }): Promise<unknown> =>
    blocked ? new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })) : Promise.resolve();
  const agents = (): AgentDefinition[] => [
    voter('a', 'yes', { asked }), voter('b', 'yes', { asked }), voter('c', 'no', { asked }),
    { id: 'd', capabilities: ['answer'], run: async (_i, ctx) => (asked.push('d'), await hang(ctx), 'yes') },
    { id: 'e', capabilities: ['answer'], run: async (_i, ctx) => (asked.push('e'), await hang(ctx), 'no') },
  ];
  const config = thread();
  const stop = new AbortController();
  const first = createMasterAgentLoop({ agents: agents(), checkpointer: saver, ...options.first })
    .invoke(request([{ id: 'vote', capability: 'answer', consensus: { voters: 5 } }], { strategy: 'parallel' }), { ...config, signal: stop.signal })
    .then(() => 'finished', () => 'stopped');
  // a, b and c answer at once; d and e hang until the crash.
  while (asked.length < 5) await sleepMs(2);
  await sleepMs(30);
  stop.abort(new Error('crash'));
  expect(await first).toBe('stopped');
  expect(asked.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  blocked = false;
  asked.length = 0;
  const events: EventEnvelope[] = [];
  const second = createMasterAgentLoop({ agents: agents(), checkpointer: saver, ...options.second });
  second.onEvent((e) => events.push(e));
  const out = await second.invoke(null, config);
  return { out, asked: asked.sort(), events };
}

describe('a consensus task after a crash', () => {
  it('resumes without asking again the voters whose ballots are in the checkpoint', async () => {
    const { out, asked, events } = await crashMidVote();
    expect(out.status).toBe('completed');
    expect(asked).toEqual(['d', 'e']);
    expect(out.results['vote']).toBe('yes');
    expect(out.tasks['vote']!.consensus!.ballots.map((b) => b.voter)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(decidedEvents(events)).toEqual([expect.objectContaining({ outcome: 'decided', support: 3, replayedBallots: 3 })]);
  });

  it('keeps stored ballots across networks that share a keyring secret (another process)', async () => {
    const secret = 'a-signing-secret-of-at-least-32-bytes!!';
    const network = () => createAgentNetwork({ registry: createAgentRegistry(), keyring: createKeyring({ secret }) });
    const { out, asked } = await crashMidVote({ first: { network: network() }, second: { network: network() } });
    expect(asked).toEqual(['d', 'e']);
    expect(out.results['vote']).toBe('yes');
  });

  it('asks again a voter whose stored ballot no longer verifies (keys lost with the process), never counting it', async () => {
    const network = () => createAgentNetwork({ registry: createAgentRegistry() });
    const { out, asked, events } = await crashMidVote({ first: { network: network() }, second: { network: network() } });
    expect(asked).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(out.results['vote']).toBe('yes');
    expect(decidedEvents(events)).toEqual([expect.objectContaining({ replayedBallots: 0, ballots: 5 })]);
  });

  it('keeps the judge’s verdicts with the votes: a resumed vote does not ask the judge again about a pair it judged', async () => {
    const saver = new MemorySaver();
    const judged: Array<[unknown, unknown]> = [];
    let hang = true;
    const judge: AgentDefinition = {
      id: 'judge', capabilities: ['judge'],
      run: async (input, ctx) => {
        const { a, b } = input as { a: string; b: string };
        judged.push([a, b]);
        // The second pair hangs until the crash: the first verdict is known and stored by then.
        if (hang && b === 'Lyon') await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
        return { same: a.toLowerCase().includes(b.toLowerCase()) };
      },
    };
    // c answers first, so the checkpoint stores the ballots out of id order.
    const agents = (): AgentDefinition[] => [voter('a', 'Paris, France', { ms: 30 }), voter('b', 'paris', { ms: 15 }), voter('c', 'Lyon'), judge];
    const vote = request([{ id: 'capital', capability: 'answer', consensus: { voters: 3, judge: { capability: 'judge' } } }]);
    const config = thread();
    const stop = new AbortController();
    const first = createMasterAgentLoop({ agents: agents(), checkpointer: saver }).invoke(vote, { ...config, signal: stop.signal }).then(() => 'finished', () => 'stopped');
    while (judged.length < 2) await sleepMs(2);
    await sleepMs(30);
    stop.abort(new Error('crash'));
    expect(await first).toBe('stopped');
    expect(judged).toEqual([['Paris, France', 'paris'], ['Paris, France', 'Lyon']]);
    hang = false;
    judged.length = 0;
    const events: EventEnvelope[] = [];
    const second = createMasterAgentLoop({ agents: agents(), checkpointer: saver });
    second.onEvent((e) => events.push(e));
    const out = await second.invoke(null, config);
    expect(judged).toEqual([['Paris, France', 'Lyon']]);
    expect(out.results['capital']).toBe('Paris, France');
    expect(decidedEvents(events)).toEqual([expect.objectContaining({ outcome: 'decided', support: 2, replayedBallots: 3 })]);
  });
});
