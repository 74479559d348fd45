/**
 * The workload the chaos bench and its test run under a chaos engine: DAG runs of 10-30 tasks on one
 * master loop with a pool of agents, several runs at once, continuously for a set duration.
 *
 * Each task's agent (1) asks a peer agent to review its input over the loop's network (`ctx.network`)
 * and waits for the peer's signed answer, (2) computes its result with a tool through a primitive
 * layer's gate (a per-call timeout), from its input, the review and its dependencies' results, and
 * (3) applies its effect through a second tool, keyed by the task's idempotency key, only when its
 * attempt is still live. The oracle recomputes every task's result from the DAG alone, so any result
 * that is wrong (a lost or stale dependency, an answer from the wrong peer) is caught; the effect tool
 * counts applications per key without deduplicating, so a task whose effect ran twice shows.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MemorySaver, type BaseCheckpointSaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../../src/loop/builder.js';
import type { AgentDefinition, AgentRunContext } from '../../src/loop/agents.js';
import { createAgentNetwork } from '../../src/network/network.js';
import { createAgentRegistry } from '../../src/network/registry.js';
import { createKeyring } from '../../src/network/keyring.js';
import { createRandom, hashString } from '../../src/scheduler/random.js';
import { buildToolLayer } from '../../src/tools/layer.js';
import { defineTool } from '../../src/tools/tool.js';
import { NoError } from '../../src/contracts/errors.js';
import type { EventEnvelope } from '../../src/contracts/events.js';
import { createChaos, type ChaosOptions, type ChaosFaultKind } from '../../src/loop/chaos.js';

export interface ChaosWorkloadOptions {
  chaos: ChaosOptions;
  /** New runs start until this much time has passed; those running then finish. */
  durationMs: number;
  /** Runs at once. @default 4 */
  concurrentRuns?: number;
  /** Agents of the `work` capability. @default 8 */
  agents?: number;
  /**
   * Agents of the `standby` capability, every task's declared fallback once no `work` agent is left
   * to try it (under chaos too). @default 2
   */
  standbyAgents?: number;
  /** Tasks each agent runs at once. @default 4 */
  agentConcurrency?: number;
  /** The tool layer's per-call timeout. @default 300 */
  toolTimeoutMs?: number;
  /** How long an agent waits for its peer's review before it gives up the attempt. @default 1000 */
  reviewTimeoutMs?: number;
  /** The loop's per-attempt timeout. @default 5000 */
  attemptTimeoutMs?: number;
  /** The loop's retries of transient failures. @default 5 */
  retries?: number;
  /** Work inside the compute tool, ms. @default 5 */
  workMs?: number;
  /** @default [10, 30] */
  tasksPerRun?: [number, number];
  /** @default a new MemorySaver */
  checkpointer?: BaseCheckpointSaver;
  /** Every event of every run (the loop's onEvent). */
  onEvent?: (event: EventEnvelope) => void;
  /** Called after each run with the running report. */
  onRun?: (report: ChaosReport) => void;
}

export interface ChaosReport {
  elapsedMs: number;
  runs: number;
  runsCompleted: number;
  /** Wall time of each run, ms. */
  runMs: number[];
  tasks: number;
  tasksCompleted: number;
  /** Completed results the oracle rejected. */
  corrupted: number;
  /** Idempotency keys whose effect was applied more than once. */
  doubleEffects: number;
  /** Recovery actions the loop took, by type (retry-with-backoff, redistribute, fallback, replan...). */
  recoveryActions: Record<string, number>;
  /** Tasks whose attempts saw more than one idempotency key. */
  keyChanges: number;
  /** Faults seen, by kind (agent-down: attempts that met a crashed agent). */
  faults: Record<ChaosFaultKind, number>;
  /** What the fault rates apply to: agent attempts, tool calls, message sends. */
  exposure: { attempts: number; toolCalls: number; sends: number; sendsDrawn: number; splitMs: number };
  /** Fault-to-completion times, ms. */
  recoveries: number[];
  unrecovered: number;
  /** The first few faults never recovered, and keys applied twice, to debug a failed check. */
  unrecoveredFaults: Array<{ kind: string; task: string }>;
  doubleEffectKeys: string[];
  peakRssMb: number;
  peakHeapMb: number;
  /** Errors of runs that did not complete, by message (first 5). */
  runErrors: string[];
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);
const reviewOf = (digest: string): string => sha(`review:${digest}`);

interface PlannedTask { id: string; dependsOn: string[]; capability: string; input: { seed: number }; fallback: { capability: string } }

/** A DAG of 10-30 tasks, each depending on up to 3 earlier ones. */
export function chaosDag(seed: number, [min, max]: [number, number], prefix = 't'): PlannedTask[] {
  const rng = createRandom(seed);
  const n = min + Math.floor(rng() * (max - min + 1));
  return Array.from({ length: n }, (_, i) => {
    const deps = new Set<string>();
    for (let k = 0; k < 3 && i > 0; k++) if (rng() < 0.6) deps.add(`${prefix}${Math.floor(rng() * i)}`);
    return { id: `${prefix}${i}`, dependsOn: [...deps].sort(), capability: 'work', input: { seed: Math.floor(rng() * 2 ** 31) }, fallback: { capability: 'standby' } };
  });
}

/** What the oracle expects of each task: computed from the DAG alone. */
export function expectedResults(tasks: readonly PlannedTask[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tasks) out.set(t.id, sha([String(t.input.seed), reviewOf(sha(String(t.input.seed))), ...t.dependsOn.map((d) => out.get(d)!)].join('|')));
  return out;
}

const abortable = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Runs the workload under a fresh chaos engine and reports what happened. */
export async function runChaosWorkload(options: ChaosWorkloadOptions): Promise<ChaosReport> {
  const chaos = createChaos(options.chaos);
  const agentCount = options.agents ?? 8;
  if (!(agentCount >= 2)) throw new NoError('INVALID_INPUT', `the chaos workload needs at least 2 agents (peers review each other): pass agents: 8`, { details: { agents: agentCount } });
  const standby = Array.from({ length: options.standbyAgents ?? 2 }, (_, i) => `standby-${i}`);
  const workers = Array.from({ length: agentCount }, (_, i) => `agent-${i}`);
  const ids = [...workers, ...standby];
  const network = createAgentNetwork({ registry: createAgentRegistry(), keyring: createKeyring({ secret: `chaos-bench-keyring-secret-0123456789abcdef-${options.chaos.seed}` }) });
  const effects = new Map<string, number>();
  const keys = new Map<string, Set<string>>();
  const pending = new Map<string, (digest: string) => void>();

  const layer = buildToolLayer('primitive', [
    chaos.wrapTool(
      defineTool({
        name: 'chaos.compute', capability: 'compute', description: 'Digests its parts after a little async work.', mutating: false,
        input: z.object({ task: z.string(), call: z.string(), parts: z.array(z.string()) }),
        run: async (input, ctx) => {
          await abortable(options.workMs ?? 5, ctx.signal);
          return sha(input.parts.join('|'));
        },
      }),
      (input) => ({ task: (input as { task: string }).task, subject: (input as { call: string }).call }),
    ),
    defineTool({
      name: 'chaos.apply', capability: 'memory', description: 'Applies a task effect once per call (no deduplication: the loop must not repeat it).', mutating: true,
      input: z.object({ key: z.string() }),
      run: async (input) => void effects.set(input.key, (effects.get(input.key) ?? 0) + 1),
    }),
  ], { rateLimit: false, timeoutMs: options.toolTimeoutMs ?? 300 });

  // Each agent answers review requests and hands answers to the attempt waiting for them.
  const unsubscribe = ids.map((id) =>
    network.subscribeToAgent(id, async (message) => {
      const payload = message.payload as { ref: string; digest: string };
      if (message.type === 'review') await network.sendMessage(id, message.from, { type: 'review.ok', payload: { ref: payload.ref, digest: reviewOf(payload.digest) } });
      else if (message.type === 'review.ok') pending.get(payload.ref)?.(payload.digest);
    }),
  );

  const askReview = async (ctx: AgentRunContext, task: string, digest: string): Promise<string> => {
    const peers = ids.filter((id) => id !== ctx.agentId);
    const peer = peers[hashString(`${task}#${ctx.attempt}`) % peers.length]!;
    const ref = `${task}#${ctx.attempt}`;
    chaos.beforeSend(network, ids, ctx.agentId, peer, task, ref);
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => done(() => reject(Object.assign(new Error(`no review from ${peer} in time`), { code: 'ETIMEDOUT' }))), options.reviewTimeoutMs ?? 1_000);
      const onAbort = (): void => done(() => reject(ctx.signal.reason));
      const done = (finish: () => void): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        pending.delete(ref);
        finish();
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      pending.set(ref, (d) => done(() => resolve(d)));
    });
    await ctx.network!.send(peer, { type: 'review', payload: { ref, digest } }, { signal: ctx.signal });
    return answer;
  };

  const run = async (input: unknown, ctx: AgentRunContext): Promise<{ value: string }> => {
    const task = `${ctx.threadId}/${ctx.task.id}`;
    const seen = keys.get(task) ?? new Set<string>();
    keys.set(task, seen.add(ctx.idempotencyKey));
    const seed = String((input as { seed: number }).seed);
    const review = await askReview(ctx, task, sha(seed));
    const deps = ctx.task.dependsOn.map((d) => (ctx.dependencies[d] as { value: string }).value);
    const computed = await layer.invoke('chaos.compute', { task, call: `${task}#${ctx.attempt}`, parts: [seed, review, ...deps] }, { caller: ctx.agentId, signal: ctx.signal });
    if (!computed.ok) throw Object.assign(new Error(`chaos.compute: ${computed.error.message}`), { retryable: computed.error.retryable === true });
    // An attempt the loop gave up on must not apply its effect: a retry is already on its way.
    ctx.signal.throwIfAborted();
    const applied = await layer.invoke('chaos.apply', { key: ctx.idempotencyKey }, { caller: ctx.agentId });
    if (!applied.ok) throw new Error(`chaos.apply: ${applied.error.message}`);
    chaos.completed(task);
    return { value: computed.data as string };
  };

  const agents: AgentDefinition[] = ids.map((id) =>
    chaos.wrapAgent({ id, capabilities: [standby.includes(id) ? 'standby' : 'work'], maxConcurrency: options.agentConcurrency ?? 4, run }));
  const recoveryActions: Record<string, number> = {};
  // What happened to each task of the runs in flight, to say why a run failed.
  const trails = new Map<string, string[]>();
  const trail = (taskId: string, step: string): void => {
    const list = trails.get(taskId) ?? [];
    list.push(step);
    trails.set(taskId, list);
  };
  const loop = createMasterAgentLoop({
    agents,
    checkpointer: options.checkpointer ?? new MemorySaver(),
    network,
    learning: false,
    retries: options.retries ?? 5,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 5_000,
    backoff: { initialDelayMs: 20, maxDelayMs: 500 },
    // A crashed agent's breaker is tried again once the agent could be back.
    pool: { breaker: { recoveryTimeoutMs: chaos.options.crashMs } },
    maxRounds: 4,
    maxReplanWaitMs: chaos.options.crashMs * 2,
    onEvent: (event) => {
      if (event.type === 'no.recovery.action.taken') {
        const { action, taskId, agentId } = event.data as { action: string; taskId: string; agentId?: string };
        recoveryActions[action] = (recoveryActions[action] ?? 0) + 1;
        trail(taskId, `${action}${agentId === undefined ? '' : ` (${agentId})`}`);
      } else if (event.type === 'orchestration.task.failed') {
        const { taskId, error } = event.data as { taskId: string; error: string };
        trail(taskId, error);
      }
      options.onEvent?.(event);
    },
  });

  const report: ChaosReport = {
    elapsedMs: 0, runs: 0, runsCompleted: 0, runMs: [], tasks: 0, tasksCompleted: 0, corrupted: 0, doubleEffects: 0, keyChanges: 0, recoveryActions: {},
    faults: chaos.counts(), exposure: chaos.exposure(), recoveries: [], unrecovered: 0, unrecoveredFaults: [], doubleEffectKeys: [], peakRssMb: 0, peakHeapMb: 0, runErrors: [],
  };
  const sample = (): void => {
    const m = process.memoryUsage();
    report.peakRssMb = Math.max(report.peakRssMb, m.rss / 2 ** 20);
    report.peakHeapMb = Math.max(report.peakHeapMb, m.heapUsed / 2 ** 20);
  };
  const sampler = setInterval(sample, 100);
  const stopPressure = chaos.startMemoryPressure();
  const started = performance.now();
  let next = 0;

  const oneRun = async (r: number): Promise<void> => {
    const tasks = chaosDag(options.chaos.seed * 100_003 + r, options.tasksPerRun ?? [10, 30], `r${r}-t`);
    const expected = expectedResults(tasks);
    const thread = `chaos-${options.chaos.seed}-${r}`;
    let out: { status: string; results: Record<string, unknown>; runError: { message: string } | null };
    const at = performance.now();
    try {
      out = await loop.invoke({ request: { tasks } }, { configurable: { thread_id: thread } });
    } catch (error) {
      out = { status: 'thrown', results: {}, runError: { message: (error as Error).message } };
    }
    report.runs++;
    report.runMs.push(performance.now() - at);
    report.tasks += tasks.length;
    let done = 0;
    for (const t of tasks) {
      const got = out.results[t.id] as { value?: string } | undefined;
      if (got === undefined) continue;
      done++;
      if (got.value !== expected.get(t.id)) report.corrupted++;
    }
    report.tasksCompleted += done;
    if (out.status === 'completed' && done === tasks.length) report.runsCompleted++;
    else if (report.runErrors.length < 5) {
      const lost = tasks.filter((t) => out.results[t.id] === undefined && trails.has(t.id)).map((t) => `${t.id}: ${trails.get(t.id)!.join(' > ')}`);
      report.runErrors.push(`${thread}: ${out.status}: ${out.runError?.message ?? `${done}/${tasks.length} tasks`}; ${lost.join('; ')}`);
    }
    for (const t of tasks) trails.delete(t.id);
    options.onRun?.(finish(false));
  };
  const finish = (final: boolean): ChaosReport => {
    sample();
    report.elapsedMs = performance.now() - started;
    report.faults = chaos.counts();
    report.exposure = chaos.exposure();
    report.recoveryActions = { ...recoveryActions };
    report.recoveries = chaos.recoveries();
    const unrecovered = chaos.unrecovered();
    report.unrecovered = unrecovered.length;
    report.unrecoveredFaults = unrecovered.slice(0, 5).map((f) => ({ kind: f.kind, task: f.task }));
    const doubled = [...effects].filter(([, n]) => n > 1).map(([key]) => key);
    report.doubleEffects = doubled.length;
    report.doubleEffectKeys = doubled.slice(0, 5);
    report.keyChanges = [...keys.values()].filter((s) => s.size > 1).length;
    return final ? report : { ...report, runMs: [...report.runMs], recoveries: [...report.recoveries] };
  };

  try {
    await Promise.all(
      Array.from({ length: options.concurrentRuns ?? 4 }, async () => {
        while (performance.now() - started < options.durationMs) await oneRun(next++);
      }),
    );
    return finish(true);
  } finally {
    clearInterval(sampler);
    stopPressure();
    chaos.stop();
    for (const off of unsubscribe) off();
    network.close();
  }
}

/** p-th percentile (0-100) of `xs`, nearest rank; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

