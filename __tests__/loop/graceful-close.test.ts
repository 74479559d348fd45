import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotation, MemorySaver, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { isNoError } from '../../src/contracts/errors';
import type { ExecutionRequestInput } from '../../src/contracts/index';
import { addMasterLoop, createMasterAgentLoop, DRAINING_REASON, type AgentDefinition } from '../../src/loop/index';
import { rejectionCode, request, sleepMs, thread } from './helpers';

/**
 * A run of eight tasks on four slots: 'fast' ones finish shortly after close() begins, 'slow' ones
 * only when aborted (until `cut` is false, as after a restart), 'queued' ones wait for a slot and
 * 'after' waits for fast1. Counts every start and every completion per task id: the side effects
 * an agent would deduplicate with its idempotency key.
 */
function scenario() {
  const starts = new Map<string, number>();
  const completions = new Map<string, number>();
  const keys = new Map<string, Set<string>>();
  const state = { cut: true, running: 0 };
  let releaseFast!: () => void;
  const fastGate = new Promise<void>((resolve) => (releaseFast = resolve));
  let fourRunning!: () => void;
  const busy = new Promise<void>((resolve) => (fourRunning = resolve));
  const agent: AgentDefinition = {
    id: 'w',
    capabilities: ['work'],
    maxConcurrency: 4,
    run: async (input, ctx) => {
      const id = ctx.task.id;
      starts.set(id, (starts.get(id) ?? 0) + 1);
      keys.set(id, (keys.get(id) ?? new Set()).add(ctx.idempotencyKey));
      if (state.cut && ++state.running === 4) fourRunning();
      if (state.cut && id.startsWith('fast')) await fastGate;
      if (state.cut && id.startsWith('slow')) {
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
      }
      completions.set(id, (completions.get(id) ?? 0) + 1);
      return `${id}:${String(input)}`;
    },
  };
  const tasks = [
    ...['fast1', 'fast2', 'slow1', 'slow2'].map((id) => ({ id, capability: 'work', input: 1, priority: 10 })),
    ...['queued1', 'queued2', 'queued3'].map((id) => ({ id, capability: 'work', input: 2, priority: 1 })),
    { id: 'after', capability: 'work', dependsOn: ['fast1'], input: 3, priority: 1 },
  ];
  return { agent, tasks, starts, completions, keys, state, releaseFast, busy };
}

const counts = (map: Map<string, number>): Record<string, number> => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
const ALL = ['after', 'fast1', 'fast2', 'queued1', 'queued2', 'queued3', 'slow1', 'slow2'];

async function cutAndResume(saver: BaseCheckpointSaver, restarted: BaseCheckpointSaver = saver): Promise<void> {
  const s = scenario();
  const config = thread();
  const loop = createMasterAgentLoop({ agents: [s.agent], checkpointer: saver });
  const first = loop.invoke(request(s.tasks), config);
  first.catch(() => {});
  await s.busy;

  const closing = loop.close({ graceMs: 300 });
  expect(loop.close()).toBe(closing);
  expect(await loop.readiness()).toEqual({ ready: false, reasons: [DRAINING_REASON] });
  expect(await rejectionCode(loop.invoke(request([{ id: 'x', capability: 'work' }]), thread()))).toBe('LOOP_CLOSED');
  expect(await rejectionCode(loop.invoke(null, config))).toBe('LOOP_CLOSED');
  // The fast tasks finish inside the grace; nothing new starts although slots are free.
  s.releaseFast();
  await sleepMs(50);
  expect(counts(s.starts)).toEqual({ fast1: 1, fast2: 1, slow1: 1, slow2: 1 });

  await closing;
  const error = await first.then(() => undefined, (e: unknown) => e);
  expect(isNoError(error, 'LOOP_CLOSED')).toBe(true);
  expect(counts(s.completions)).toEqual({ fast1: 1, fast2: 1 });

  // As after a restart: a new loop over the same checkpointer resumes the thread.
  s.state.cut = false;
  const out = await createMasterAgentLoop({ agents: [s.agent], checkpointer: restarted }).invoke(null, config);
  expect(out.status).toBe('completed');
  // Every task's agent completed exactly once; only the aborted ones started twice.
  expect(counts(s.completions)).toEqual(Object.fromEntries(ALL.map((id) => [id, 1])));
  expect(counts(s.starts)).toEqual({ after: 1, fast1: 1, fast2: 1, queued1: 1, queued2: 1, queued3: 1, slow1: 2, slow2: 2 });
  // The same idempotency key on both tries of a cut task.
  expect(s.keys.get('slow1')?.size).toBe(1);
  expect(out.results).toEqual({
    fast1: 'fast1:1', fast2: 'fast2:1', slow1: 'slow1:1', slow2: 'slow2:1', queued1: 'queued1:2', queued2: 'queued2:2', queued3: 'queued3:2', after: 'after:3',
  });
}

describe('closing a loop gracefully', () => {
  it('lets running tasks finish within the grace, aborts the rest, and a new loop resumes each unfinished task once (MemorySaver)', async () => {
    await cutAndResume(new MemorySaver());
  });

  it('does the same on SqliteSaver, resumed through a second connection to the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-close-'));
    const first = SqliteSaver.fromConnString(join(dir, 'checkpoints.db'));
    const second = SqliteSaver.fromConnString(join(dir, 'checkpoints.db'));
    try {
      await cutAndResume(first, second);
    } finally {
      first.db.close();
      second.db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends a run as soon as its started tasks are done, without waiting out the grace', async () => {
    const s = scenario();
    const loop = createMasterAgentLoop({ agents: [s.agent], checkpointer: new MemorySaver() });
    // Only fast tasks: when they are done, nothing started is left.
    const tasks = s.tasks.filter((t) => !t.id.startsWith('slow')).map((t) => (t.id.startsWith('queued') ? { ...t, priority: 10 } : t));
    const first = loop.invoke(request(tasks), thread());
    first.catch(() => {});
    await s.busy;
    const began = Date.now();
    const closing = loop.close({ graceMs: 5_000 });
    s.releaseFast();
    await closing;
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(await rejectionCode(first)).toBe('LOOP_CLOSED');
    expect([...s.completions.keys()].sort()).toEqual(['fast1', 'fast2', 'queued1', 'queued2']);
  });

  it('lets a run whose tasks all finish within the grace complete as usual', async () => {
    const s = scenario();
    const loop = createMasterAgentLoop({ agents: [s.agent], checkpointer: new MemorySaver() });
    const tasks = ['fast1', 'fast2', 'fast3', 'fast4'].map((id) => ({ id, capability: 'work', input: 1 }));
    const first = loop.invoke(request(tasks), thread());
    await s.busy;
    const closing = loop.close({ graceMs: 5_000 });
    s.releaseFast();
    const out = await first;
    await closing;
    expect(out.status).toBe('completed');
    expect(Object.keys(out.results).sort()).toEqual(['fast1', 'fast2', 'fast3', 'fast4']);
  });

  it('resolves at once with nothing in flight, and refuses a bad grace with a typed error', async () => {
    const loop = createMasterAgentLoop({ agents: [scenario().agent] });
    expect(await rejectionCode(loop.close({ graceMs: -1 }))).toBe('INVALID_NUMBER');
    expect((await loop.readiness()).ready).toBe(true);
    await loop.close({ graceMs: 60_000 });
    const refused = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread()).catch((e: unknown) => e);
    expect(isNoError(refused, 'LOOP_CLOSED')).toBe(true);
    expect((refused as Error).message).toMatch(/new loop over the same checkpointer/);
  });

  it('cuts the grace short when the close signal aborts', async () => {
    const s = scenario();
    const loop = createMasterAgentLoop({ agents: [s.agent], checkpointer: new MemorySaver() });
    const first = loop.invoke(request(s.tasks), thread());
    first.catch(() => {});
    await s.busy;
    const hurry = new AbortController();
    const closing = loop.close({ graceMs: 60_000, signal: hurry.signal });
    hurry.abort();
    await closing;
    expect(await rejectionCode(first)).toBe('LOOP_CLOSED');
    expect(s.completions.size).toBe(0);
  });
});

describe('closing a loop added to a graph', () => {
  it('cuts the parent run the same way, and the parent graph resumes it on a new builder', async () => {
    const State = Annotation.Root({ request: Annotation<ExecutionRequestInput>(), done: Annotation<string[]>() });
    const build = (agent: AgentDefinition) =>
      addMasterLoop(new StateGraph(State), { agents: [agent], fromResult: (run) => ({ done: Object.keys(run.results).sort() }) });
    const s = scenario();
    const saver = new MemorySaver();
    const config = thread();
    const first = build(s.agent);
    const run = first.compile({ checkpointer: saver }).invoke({ request: request(s.tasks).request }, config);
    run.catch(() => {});
    await s.busy;
    const closing = first.close({ graceMs: 200 });
    expect((await first.readiness()).reasons).toEqual([DRAINING_REASON]);
    s.releaseFast();
    await closing;
    expect(await rejectionCode(run)).toBe('LOOP_CLOSED');

    s.state.cut = false;
    const out = await build(s.agent).compile({ checkpointer: saver }).invoke(null, config);
    expect(out.done).toEqual(ALL);
    expect(counts(s.completions)).toEqual(Object.fromEntries(ALL.map((id) => [id, 1])));
  });
});
