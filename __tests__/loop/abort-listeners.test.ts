import { getEventListeners } from 'node:events';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { runInThisContext } from 'node:vm';
import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, sleepMs, thread } from './helpers';

/** Node's default limit: past it, it prints MaxListenersExceededWarning in the user's process. */
const NODE_DEFAULT_MAX_LISTENERS = 10;

/** While installed, records the most abort listeners any one AbortSignal held at once. */
function watchAbortListeners(): { readonly peak: number; restore(): void } {
  const add = EventTarget.prototype.addEventListener;
  let peak = 0;
  const spy = jest.spyOn(EventTarget.prototype, 'addEventListener').mockImplementation(function (
    this: EventTarget,
    ...args: Parameters<EventTarget['addEventListener']>
  ) {
    add.apply(this, args);
    if (args[0] === 'abort' && this instanceof AbortSignal) peak = Math.max(peak, getEventListeners(this, 'abort').length);
  });
  return { get peak() { return peak; }, restore: () => spy.mockRestore() };
}

/**
 * Collects the process warnings of one name until `stop()` (which waits for warnings still queued).
 * Jest hands each test file a copy of `process`, and Node emits warnings on the real one: it is
 * reached through the main context, where `vm.runInThisContext` evaluates.
 */
function collectWarnings(name: string): { stop(): Promise<string[]> } {
  const realProcess = runInThisContext('process') as NodeJS.Process;
  const seen: string[] = [];
  const onWarning = (warning: Error): void => {
    if (warning.name === name) seen.push(warning.message);
  };
  realProcess.on('warning', onWarning);
  return {
    async stop() {
      await new Promise((resolve) => setImmediate(resolve));
      realProcess.off('warning', onWarning);
      return seen;
    },
  };
}

describe('abort listeners on a large run', () => {
  it('keeps every AbortSignal under Node’s listener limit with 200 tasks, 50 at a time, and retries', async () => {
    let calls = 0;
    const agents: AgentDefinition[] = Array.from({ length: 50 }, (_, i) => ({
      id: `w${i}`,
      capabilities: ['work'],
      run: async (_input, ctx) => {
        // Every third attempt-1 fails with a transient error, so backoff waits and retries run too.
        if (ctx.attempt === 1 && calls++ % 3 === 0) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        await sleepMs(1, ctx.signal);
        return ctx.task.id;
      },
    }));
    const { loop } = loopWith(agents);
    const tasks = Array.from({ length: 200 }, (_, i) => ({ id: `t${i}`, capability: 'work' }));
    const user = new AbortController();
    const warnings = collectWarnings('MaxListenersExceededWarning');
    const watch = watchAbortListeners();
    let out;
    try {
      out = await loop.invoke(request(tasks, { constraints: { maxConcurrentAgents: 50 } }), { ...thread(), signal: user.signal });
    } finally {
      watch.restore();
    }
    expect(out.status).toBe('completed');
    expect(Object.keys(out.results)).toHaveLength(200);
    expect(out.recoveries.filter((r) => r.type === 'retry-with-backoff').length).toBeGreaterThan(0);
    expect(watch.peak).toBeLessThanOrEqual(NODE_DEFAULT_MAX_LISTENERS);
    expect(await warnings.stop()).toEqual([]);
  });
});

describe('abort listeners with graph agents', () => {
  it('keeps every AbortSignal under Node’s listener limit with 30 graph agents running at once', async () => {
    const Doc = Annotation.Root({ text: Annotation<string>(), log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });
    // Every draft waits until all 30 are drafting, so the 30 inner graphs run their steps at once.
    let drafting = 0;
    let allDrafting!: () => void;
    const all = new Promise<void>((resolve) => (allDrafting = resolve));
    const graph = new StateGraph(Doc)
      .addNode('draft', async (s) => {
        if (++drafting === 30) allDrafting();
        await all;
        return { log: [`draft:${s.text}`] };
      })
      .addNode('review', (s) => ({ log: [`review:${s.text}`] }))
      .addEdge(START, 'draft')
      .addEdge('draft', 'review')
      .addEdge('review', END)
      .compile();
    const { loop } = loopWith([{ id: 'writer', capabilities: ['write'], maxConcurrency: 30, run: graph }]);
    const tasks = Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, capability: 'write', input: { text: `${i}` } }));
    const user = new AbortController();
    const warnings = collectWarnings('MaxListenersExceededWarning');
    const watch = watchAbortListeners();
    let out;
    try {
      out = await loop.invoke(request(tasks, { strategy: 'parallel' }), { ...thread(), signal: user.signal });
    } finally {
      watch.restore();
    }
    expect(out.status).toBe('completed');
    expect(watch.peak).toBeLessThanOrEqual(NODE_DEFAULT_MAX_LISTENERS);
    expect(await warnings.stop()).toEqual([]);
  });
});

describe("the caller's own signal", () => {
  const quick: AgentDefinition = { id: 'w', capabilities: ['work'], run: async (_input, ctx) => ctx.task.id };

  it('keeps no listener from runs that are over, however many runs it was passed to', async () => {
    const { loop } = loopWith([quick]);
    const shutdown = new AbortController();
    const warnings = collectWarnings('MaxListenersExceededWarning');
    for (let i = 0; i < 12; i++) {
      const out = await loop.invoke(request([{ id: 'a', capability: 'work' }]), { ...thread(), signal: shutdown.signal });
      expect(out.status).toBe('completed');
    }
    for await (const _chunk of await loop.stream(request([{ id: 'a', capability: 'work' }]), { ...thread(), signal: shutdown.signal })) {
      // drained
    }
    for await (const _event of loop.streamEvents(request([{ id: 'a', capability: 'work' }]), { ...thread(), version: 'v2', signal: shutdown.signal })) {
      // drained
    }
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    expect(await warnings.stop()).toEqual([]);
  });

  it('still stops a graph agent inside a run when it aborts', async () => {
    let reached!: () => void;
    const running = new Promise<void>((resolve) => (reached = resolve));
    let seen: AbortSignal | undefined;
    const Doc = Annotation.Root({ text: Annotation<string>() });
    const graph = new StateGraph(Doc)
      .addNode('wait', (_s, config) => {
        seen = config.signal;
        reached();
        return new Promise<Partial<typeof Doc.State>>(() => {});
      })
      .addEdge(START, 'wait')
      .addEdge('wait', END)
      .compile();
    const { loop } = loopWith([{ id: 'g', capabilities: ['work'], run: graph }]);
    const user = new AbortController();
    const run = loop.invoke(request([{ id: 'a', capability: 'work', input: { text: 'x' } }]), { ...thread(), signal: user.signal });
    await running;
    user.abort(new Error('user stop'));
    await expect(run).rejects.toThrow('user stop');
    expect(seen?.aborted).toBe(true);
  });

  it('still stops a run when it aborts', async () => {
    let seen: AbortSignal | undefined;
    const hang: AgentDefinition = { id: 'h', capabilities: ['work'], run: (_input, ctx) => { seen = ctx.signal; return new Promise(() => {}); } };
    const { loop } = loopWith([hang]);
    const user = new AbortController();
    const running = loop.invoke(request([{ id: 'a', capability: 'work' }]), { ...thread(), signal: user.signal });
    while (seen === undefined) await sleepMs(1);
    user.abort(new Error('user stop'));
    await expect(running).rejects.toThrow('user stop');
    expect(seen.aborted).toBe(true);
  });
});
