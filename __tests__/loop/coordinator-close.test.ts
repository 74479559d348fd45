import { MemorySaver } from '@langchain/langgraph';
import { NoError } from '../../src/contracts/index';
import { CoordinatorRun } from '../../src/loop/coordinator-run';
import type { AgentDefinition, MasterLoopState } from '../../src/loop/index';
import { createSchedulerNode } from '../../src/loop/nodes/scheduler-node';
import { createLoopRuntime } from '../../src/loop/runtime';
import { loopWith, request, sleepMs, thread, typesOf } from './helpers';

/** A MemorySaver that refuses to store the result of one task. */
class FailingSaver extends MemorySaver {
  constructor(private readonly failFor: string) {
    super();
  }

  override async putWrites(...args: Parameters<MemorySaver['putWrites']>): Promise<void> {
    const [, writes] = args;
    if (writes.some(([, value]) => (value as { taskId?: unknown } | null)?.taskId === this.failFor)) {
      throw new Error(`disk full while storing '${this.failFor}'`);
    }
    return super.putWrites(...args);
  }
}

describe('the coordinator when its run breaks', () => {
  it('aborts agents still running and leaves nothing running when a finished task cannot be stored', async () => {
    let slowSignal: AbortSignal | undefined;
    let slowSettled = false;
    const agents: AgentDefinition[] = [
      { id: 'quick', capabilities: ['quick'], run: async () => 'done' },
      {
        id: 'slow',
        capabilities: ['slow'],
        run: async (_input, ctx) => {
          slowSignal = ctx.signal;
          try {
            await sleepMs(10_000, ctx.signal);
            return 'late';
          } finally {
            slowSettled = true;
          }
        },
      },
    ];
    const { loop, events } = loopWith(agents, { checkpointer: new FailingSaver('fast'), retries: 0 });
    const started = Date.now();
    const run = loop.invoke(
      request([
        { id: 'long', capability: 'slow' },
        { id: 'fast', capability: 'quick' },
      ]),
      thread(),
    );
    await expect(run).rejects.toThrow("disk full while storing 'fast'");
    // Nobody waits for the slow agent's ten seconds: the run gives up on it and says so at once.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(slowSignal).toBeDefined();
    // The run is over for its caller: the agent it started must be told, not left running for nobody.
    await sleepMs(50);
    expect(slowSignal!.aborted).toBe(true);
    expect(slowSettled).toBe(true);
    expect(loop.pool.states()['slow']!.activeTasks).toBe(0);
    // A result that did not reach the checkpointer is never announced as done.
    expect(typesOf(events, 'fast')).not.toContain('orchestration.task.completed');
  });
});

describe('CoordinatorRun.close', () => {
  it('stops the pass with the first reason and refuses new work, however often it is called', async () => {
    const runtime = createLoopRuntime({ agents: [{ id: 'w', capabilities: ['work'], run: async () => null }] });
    const planned = await createSchedulerNode(runtime)({ request: { tasks: [{ id: 'a', capability: 'work' }] } }, {});
    const state = { tasks: {}, results: {}, mailboxes: {}, ...planned } as unknown as MasterLoopState;
    const run = new CoordinatorRun(runtime, state, { configurable: { thread_id: 'close-test' } });
    const grant = await run.dispatcher.acquire('a');
    expect(grant.kind).toBe('granted');
    const cause = new NoError('INTERNAL_ERROR', 'hook broke');
    run.close(cause);
    run.close(new Error('a second close'));
    expect(run.stopReason).toBe(cause);
    expect(await run.dispatcher.acquire('a')).toEqual({ kind: 'cancelled', reason: 'hook broke' });
    if (grant.kind === 'granted') grant.release();
  });
});
