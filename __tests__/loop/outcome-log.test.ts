import { MemorySaver } from '@langchain/langgraph';
import type { RunnableConfig } from '@langchain/core/runnables';
import type { PendingWrite } from '@langchain/langgraph-checkpoint';
import { createMasterAgentLoop, type AgentDefinition } from '../../src/loop/index';
import { OUTCOME_CHANNEL } from '../../src/loop/outcome-log';
import { request, sleepMs, thread } from './helpers';

/** A MemorySaver whose writes take a while, counting the outcome writes it is asked for. */
class SlowSaver extends MemorySaver {
  outcomeCalls = 0;
  outcomeWrites = 0;
  constructor(private readonly delayMs: number) {
    super();
  }
  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    if (writes.some(([channel]) => channel === OUTCOME_CHANNEL)) {
      this.outcomeCalls++;
      this.outcomeWrites += writes.length;
      await sleepMs(this.delayMs);
    }
    return super.putWrites(config, writes, taskId);
  }
}

/**
 * A MemorySaver that stores checkpoints late, as a remote saver under load does: with durability
 * 'async' LangGraph runs the next superstep while its checkpoint is still being stored.
 */
class LateCheckpointSaver extends MemorySaver {
  readonly stored = new Set<string>();
  readonly outcomesOn = new Set<string>();
  override async put(...args: Parameters<MemorySaver['put']>): ReturnType<MemorySaver['put']> {
    await sleepMs(100);
    const saved = await super.put(...args);
    this.stored.add(String(saved.configurable?.['checkpoint_id']));
    return saved;
  }
  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    if (writes.some(([channel]) => channel === OUTCOME_CHANNEL)) this.outcomesOn.add(String(config.configurable?.['checkpoint_id']));
    return super.putWrites(config, writes, taskId);
  }
}

describe('the outcome log', () => {
  it('announces an outcome only once the checkpoint it is stored on is itself stored', async () => {
    const saver = new LateCheckpointSaver();
    const loop = createMasterAgentLoop({ agents: [{ id: 'w', capabilities: ['work'], maxConcurrency: 4, run: async (input) => input }], checkpointer: saver });
    const unstoredAtAnnouncement: string[] = [];
    loop.onEvent((event) => {
      if (event.type !== 'orchestration.task.completed') return;
      for (const id of saver.outcomesOn) if (!saver.stored.has(id)) unstoredAtAnnouncement.push(id);
    });
    const out = await loop.invoke(request([{ id: 'a', capability: 'work', input: 1 }, { id: 'b', capability: 'work', input: 2 }]), thread());
    expect(out.status).toBe('completed');
    expect(saver.outcomesOn.size).toBe(1);
    expect(unstoredAtAnnouncement).toEqual([]);
  });

  it('stores every outcome once, and outcomes that finish during a write share the next one', async () => {
    const saver = new SlowSaver(15);
    const loop = createMasterAgentLoop({
      agents: [{ id: 'w', capabilities: ['work'], maxConcurrency: 20, run: async (input) => input }],
      checkpointer: saver,
    });
    const tasks = Array.from({ length: 60 }, (_, i) => ({ id: `t${i}`, capability: 'work', input: i }));
    const out = await loop.invoke(request(tasks), thread());
    expect(out.status).toBe('completed');
    expect(Object.keys(out.results)).toHaveLength(60);
    expect(saver.outcomeWrites).toBe(60);
    // 60 tasks, 20 at a time, each write 15 ms: the writes were grouped.
    expect(saver.outcomeCalls).toBeLessThan(30);
  });

  it('does not store a task stopped by the caller’s signal: a later invoke runs it, and only it', async () => {
    const saver = new MemorySaver();
    const runs = new Map<string, number>();
    let release!: () => void;
    const slowStarted = new Promise<void>((resolve) => (release = resolve));
    let slowRunning = 0;
    let blockSlow = true;
    const agent: AgentDefinition = {
      id: 'w',
      capabilities: ['work'],
      maxConcurrency: 10,
      run: async (input, ctx) => {
        runs.set(ctx.task.id, (runs.get(ctx.task.id) ?? 0) + 1);
        if (ctx.task.id.startsWith('slow') && blockSlow) {
          if (++slowRunning === 3) release();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
        }
        return `${ctx.task.id}:${String(input)}`;
      },
    };
    const tasks = [
      ...['fast1', 'fast2', 'fast3'].map((id) => ({ id, capability: 'work', input: 1 })),
      ...['slow1', 'slow2', 'slow3'].map((id) => ({ id, capability: 'work', input: 2 })),
      { id: 'after', capability: 'work', dependsOn: ['fast1', 'slow1'], input: 3 },
    ];
    const config = thread();
    const stop = new AbortController();
    const first = createMasterAgentLoop({ agents: [agent], checkpointer: saver })
      .invoke(request(tasks), { ...config, signal: stop.signal })
      .then(() => 'finished', () => 'stopped');
    await slowStarted;
    // Let the fast tasks' outcomes reach the saver before the stop.
    await sleepMs(20);
    stop.abort(new Error('shutting down'));
    expect(await first).toBe('stopped');
    expect(Object.fromEntries(runs)).toEqual({ fast1: 1, fast2: 1, fast3: 1, slow1: 1, slow2: 1, slow3: 1 });

    blockSlow = false;
    const out = await createMasterAgentLoop({ agents: [agent], checkpointer: saver }).invoke(null, config);
    expect(out.status).toBe('completed');
    expect(Object.fromEntries(runs)).toEqual({ fast1: 1, fast2: 1, fast3: 1, slow1: 2, slow2: 2, slow3: 2, after: 1 });
    expect(out.results).toMatchObject({ fast1: 'fast1:1', slow3: 'slow3:2', after: 'after:3' });
    expect(Object.values(out.tasks).every((t) => t.status === 'completed')).toBe(true);
  });
});
