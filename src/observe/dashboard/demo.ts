import { randomUUID } from 'node:crypto';
import { MemorySaver } from '@langchain/langgraph';
import type { TaskInput } from '../../contracts/scheduler.js';
import { createMasterAgentLoop, type AgentDefinition, type MasterAgentLoop } from '../../loop/index.js';
import { createToolLayer } from '../../tools/index.js';
import type { NoToolLayer } from '../../tools/layer.js';

/** A small workload to watch: what `langgraph-no dashboard --demo` runs. */
export interface DashboardDemo {
  readonly loop: MasterAgentLoop;
  readonly tools: NoToolLayer;
  /** Starts one run (a new thread) and resolves when it ends. */
  runOnce(): Promise<void>;
  /** Starts a run every `everyMs` until stopped; the first at once. */
  start(everyMs?: number): void;
  /** Starts no more runs, lets running ones end within `graceMs`, then cancels the rest. @default 0 */
  stop(graceMs?: number): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
  });

/**
 * A research pipeline: three fetches, two analyses, a review by a flaky reviewer (its first attempt at
 * each task fails, so the timeline shows a retry), and a report. Agents hash and evaluate through a
 * primitive tool layer, so the tool view fills too.
 */
export function createDashboardDemo(options: { taskMs?: number } = {}): DashboardDemo {
  const taskMs = options.taskMs ?? 400;
  const tools = createToolLayer('primitive');
  const work = (id: string, capability: string, extra: Partial<AgentDefinition> = {}): AgentDefinition => ({
    id,
    capabilities: [capability],
    maxConcurrency: 2,
    ...extra,
    run: async (input, ctx) => {
      await sleep(taskMs * (0.5 + Math.random()), ctx.signal);
      const digest = await tools.invoke('hash', { text: JSON.stringify(input) }, { caller: id });
      await tools.invoke('evaluate-expression', { expression: 'round(x * 100) / 100', variables: { x: Math.random() } }, { caller: id });
      return { by: id, digest: digest.ok ? (digest.data as { digest: string }).digest.slice(0, 8) : null };
    },
  });
  const reviewer: AgentDefinition = {
    ...work('reviewer', 'review'),
    run: async (input, ctx) => {
      await sleep(taskMs / 2, ctx.signal);
      // A 503 is transient: the loop retries it with backoff.
      if (ctx.attempt === 1) throw Object.assign(new Error('review service busy (503) on the first try'), { status: 503 });
      return { approved: true, input };
    },
  };
  const loop = createMasterAgentLoop({
    agents: [work('fetcher', 'fetch'), work('analyst', 'analyse'), reviewer, work('writer', 'write', { maxConcurrency: 1 })],
    checkpointer: new MemorySaver(),
  });
  const tasks: TaskInput[] = [
    { id: 'fetch-papers', capability: 'fetch', estimatedDurationMs: taskMs, input: 'papers' },
    { id: 'fetch-news', capability: 'fetch', estimatedDurationMs: taskMs, input: 'news' },
    { id: 'fetch-code', capability: 'fetch', estimatedDurationMs: taskMs, input: 'code' },
    { id: 'analyse-trends', capability: 'analyse', dependsOn: ['fetch-papers', 'fetch-news'], estimatedDurationMs: taskMs * 2 },
    { id: 'analyse-code', capability: 'analyse', dependsOn: ['fetch-code'], estimatedDurationMs: taskMs },
    { id: 'review', capability: 'review', dependsOn: ['analyse-trends', 'analyse-code'], estimatedDurationMs: taskMs, retries: 2 },
    { id: 'report', capability: 'write', dependsOn: ['review'], estimatedDurationMs: taskMs },
  ];
  const running = new Set<Promise<void>>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const stopping = new AbortController();
  const runOnce = (): Promise<void> => {
    const run = loop
      .invoke({ request: { tasks } }, { configurable: { thread_id: `demo-${randomUUID().slice(0, 8)}` }, signal: stopping.signal })
      .then(() => undefined, () => undefined);
    running.add(run);
    void run.finally(() => running.delete(run));
    return run;
  };
  return {
    loop,
    tools,
    runOnce,
    start(everyMs = taskMs * 12) {
      if (timer) return;
      void runOnce();
      timer = setInterval(() => void runOnce(), everyMs);
    },
    async stop(graceMs = 0) {
      clearInterval(timer);
      timer = undefined;
      let waited: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(running), new Promise((resolve) => (waited = setTimeout(resolve, graceMs)))]);
      clearTimeout(waited);
      stopping.abort(new Error('the demo stopped'));
      await Promise.all(running);
    },
  };
}
