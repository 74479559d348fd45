/**
 * A chaos engine for testing a master loop the way production will treat it: it injects real faults
 * into the loop's agents, a tool layer's tools and an agent network, seeded and reproducible
 * (bench/chaos.bench.ts and its short run in the test suite use it).
 *
 * - agent failures: an attempt throws before the agent does anything. Most are transient (a reset
 *   connection, retried with backoff on the same agent); the rest crash the agent, which then fails
 *   every attempt (an agent fault: its breaker counts it and the task moves) until it is back.
 * - tool timeouts: the tool hangs until the gate's timeout aborts its signal; the agent sees the
 *   gate's retryable TIMEOUT result.
 * - partitions: just before an agent sends a message, the network is split with the sender on one
 *   side and its peer on the other, on the real AgentNetwork, and healed a while later; messages wait.
 * - memory pressure: buffers allocated, filled (so the pages are resident) and held while the
 *   workload runs, a share of them replaced on an interval so the collector keeps working.
 *
 * Each decision is a hash of the seed, the fault's kind and the attempt it applies to (task and
 * attempt number), never a shared random stream: the same seed injects the same faults into the same
 * attempts however the concurrent runs interleave.
 */
import { NoError } from '../contracts/errors.js';
import type { AgentNetwork } from '../network/types.js';
import { createRandom, hashString } from '../scheduler/random.js';
import type { ToolDefinition } from '../tools/tool.js';
import type { AgentDefinition, AgentFunction, AgentRunContext } from './agents.js';

/** The rates of the chaos bench (the figures); each is a share of what it applies to. */
export const DEFAULT_CHAOS_OPTIONS = {
  agentFailureRate: 0.1,
  /** Share of agent failures that crash the agent instead of failing one attempt. */
  crashShare: 0.3,
  crashMs: 250,
  toolTimeoutRate: 0.15,
  partitionRate: 0.05,
  partitionMs: 1_500,
  memoryPressureMb: 0,
} as const;

export interface ChaosOptions {
  seed: number;
  /** Share of agent attempts that fail. @default 0.1 */
  agentFailureRate?: number;
  /** Share of those failures that crash the agent for `crashMs`. @default 0.3 */
  crashShare?: number;
  /** How long a crashed agent stays down (a restart). @default 250 */
  crashMs?: number;
  /** Share of tool calls that hang until the gate's timeout. @default 0.15 */
  toolTimeoutRate?: number;
  /** Share of message sends that split the network first (when no split is in force). @default 0.05 */
  partitionRate?: number;
  /** How long a split lasts. @default 1500 */
  partitionMs?: number;
  /** Held while `startMemoryPressure` runs. @default 0 */
  memoryPressureMb?: number;
}

/**
 * Injected faults, and their consequences: `agent-down` for each attempt that met a crashed agent,
 * `partition-blocked` for each later send across a split in force.
 */
export type ChaosFaultKind = 'agent-transient' | 'agent-crash' | 'agent-down' | 'tool-timeout' | 'partition' | 'partition-blocked';
export const INJECTED_FAULT_KINDS: readonly ChaosFaultKind[] = ['agent-transient', 'agent-crash', 'tool-timeout', 'partition'];

export interface ChaosFault {
  kind: ChaosFaultKind;
  /** The task it hit (`thread/task`). */
  task: string;
  at: number;
}

/** Where a tool call's decision comes from: the task it serves and a unique subject (task, attempt, call). */
export interface ChaosToolCall {
  task: string;
  subject: string;
}

export interface ChaosEngine {
  readonly options: Required<ChaosOptions>;
  /** The agent with failures injected into its attempts. */
  wrapAgent(agent: AgentDefinition): AgentDefinition;
  /**
   * The tool with hangs injected. `subjectOf` names the task a call serves and the call itself from
   * the tool's input; by default the task is the input's JSON and the call counts the calls with it,
   * so a retry with the same input is a new draw.
   */
  wrapTool<T extends ToolDefinition>(tool: T, subjectOf?: (input: unknown) => ChaosToolCall): T;
  /** Call before an agent sends: may split the network between `from` (and some agents) and `to`. */
  beforeSend(network: AgentNetwork, agentIds: readonly string[], from: string, to: string, task: string, subject: string): void;
  /** Allocates and holds `memoryPressureMb`; returns the stop function. */
  startMemoryPressure(): () => void;
  /** Bytes the memory pressure holds now. */
  heldBytes(): number;
  /** Marks a task done: every open fault on it is recovered now. */
  completed(task: string): void;
  /** Faults seen so far, by kind. */
  counts(): Record<ChaosFaultKind, number>;
  /** Fault-to-completion times of recovered faults, ms. */
  recoveries(): number[];
  /**
   * What the rates apply to: agent attempts (those on a crashed agent are not drawn), tool calls,
   * sends, and `sendsDrawn`, the sends made while no split was in force (the partition rate's base);
   * `splitMs`, how long the network has been split in all.
   */
  exposure(): { attempts: number; toolCalls: number; sends: number; sendsDrawn: number; splitMs: number };
  /** Faults whose task never completed. */
  unrecovered(): ChaosFault[];
  /** Heals any split and stops every timer. */
  stop(): void;
}

/** Names a call by its input's JSON and how many calls had that input before it. */
function callCounter(): (input: unknown) => ChaosToolCall {
  const calls = new Map<string, number>();
  return (input) => {
    const task = JSON.stringify(input) ?? 'undefined';
    const n = (calls.get(task) ?? 0) + 1;
    calls.set(task, n);
    return { task, subject: `${task}#${n}` };
  };
}

const rate = (name: string, value: number): number => {
  if (!(value >= 0 && value <= 1)) throw new NoError('INVALID_INPUT', `chaos ${name} is ${value}: pass a share between 0 and 1, e.g. ${name}: 0.1`, { details: { [name]: value } });
  return value;
};

/**
 * A chaos engine: wraps agent definitions and tools, splits a network before sends, holds memory.
 * The same seed injects the same faults into the same attempts. Faults are real in kind: an attempt
 * that throws, a tool that hangs until its gate's timeout, a partition on the network, held buffers.
 *
 * @example
 * const chaos = createChaos({ seed: 1, agentFailureRate: 0.1, toolTimeoutRate: 0.15, memoryPressureMb: 256 });
 * const loop = createMasterAgentLoop({ agents: agents.map(chaos.wrapAgent), network });
 * const tools = createToolLayer('primitive', { tools: [chaos.wrapTool(myTool)], timeoutMs: 300 });
 * // in an agent, before it sends to `peer` (the subject names the attempt, so a retry draws anew):
 * chaos.beforeSend(network, agentIds, ctx.agentId, peer, `${ctx.threadId}/${ctx.task.id}`, `${ctx.threadId}/${ctx.task.id}#${ctx.attempt}`);
 * const stop = chaos.startMemoryPressure();
 * // ... run, then compare chaos.counts() with what the runs recovered from
 * stop(); chaos.stop();
 */
export function createChaos(options: ChaosOptions): ChaosEngine {
  if (!Number.isInteger(options?.seed)) throw new NoError('INVALID_INPUT', 'chaos needs an integer seed: createChaos({ seed: 1 })', { details: { seed: options?.seed } });
  const o: Required<ChaosOptions> = { ...DEFAULT_CHAOS_OPTIONS, ...options };
  rate('agentFailureRate', o.agentFailureRate);
  rate('crashShare', o.crashShare);
  rate('toolTimeoutRate', o.toolTimeoutRate);
  rate('partitionRate', o.partitionRate);
  const draw = (kind: string, subject: string): number => createRandom(hashString(`${o.seed}|${kind}|${subject}`))();
  const open = new Map<string, ChaosFault[]>();
  const counts: Record<ChaosFaultKind, number> = { 'agent-transient': 0, 'agent-crash': 0, 'agent-down': 0, 'tool-timeout': 0, partition: 0, 'partition-blocked': 0 };
  const recovered: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const healers = new Set<() => void>();
  let splitUntil = 0;
  let split: [Set<string>, Set<string>] | undefined;
  const exposure = { attempts: 0, toolCalls: 0, sends: 0, sendsDrawn: 0, splitMs: 0 };
  let held: Buffer[] = [];

  const fault = (kind: ChaosFaultKind, task: string): void => {
    counts[kind]++;
    const list = open.get(task) ?? [];
    list.push({ kind, task, at: performance.now() });
    open.set(task, list);
  };
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  return {
    options: o,
    wrapAgent(agent) {
      if (typeof agent.run !== 'function') throw new NoError('INVALID_INPUT', `chaos wraps function agents only; '${agent.id}' has a runnable: wrap it in (input, ctx) => runnable.invoke(input)`, { details: { agent: agent.id } });
      const inner = agent.run as AgentFunction;
      let downUntil = 0;
      const run = (input: unknown, ctx: AgentRunContext): unknown => {
        const task = `${ctx.threadId}/${ctx.task.id}`;
        exposure.attempts++;
        if (performance.now() < downUntil) {
          fault('agent-down', task);
          throw Object.assign(new Error(`chaos: agent ${agent.id} is down`), { classification: 'agent-fault' });
        }
        const subject = `${task}#${ctx.attempt}`;
        if (draw('agent', subject) < o.agentFailureRate) {
          if (draw('crash', subject) < o.crashShare) {
            fault('agent-crash', task);
            downUntil = performance.now() + o.crashMs;
            throw Object.assign(new Error(`chaos: agent ${agent.id} crashed`), { classification: 'agent-fault' });
          }
          fault('agent-transient', task);
          throw Object.assign(new Error('chaos: connection reset'), { code: 'ECONNRESET' });
        }
        return inner(input, ctx);
      };
      return { ...agent, run };
    },
    wrapTool(tool, subjectOf = callCounter()) {
      const inner = tool.run.bind(tool);
      return {
        ...tool,
        run: (input: never, ctx: Parameters<ToolDefinition['run']>[1]) => {
          const { task, subject } = subjectOf(input);
          exposure.toolCalls++;
          if (draw('tool', subject) >= o.toolTimeoutRate) return inner(input, ctx);
          fault('tool-timeout', task);
          // A real hang: nothing settles until the gate's timeout (or the caller) aborts the call.
          return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
        },
      };
    },
    beforeSend(network, agentIds, from, to, task, subject) {
      exposure.sends++;
      if (performance.now() < splitUntil) {
        if (split !== undefined && ((split[0].has(from) && split[1].has(to)) || (split[1].has(from) && split[0].has(to)))) fault('partition-blocked', task);
        return;
      }
      exposure.sendsDrawn++;
      if (draw('partition', subject) >= o.partitionRate) return;
      const others = agentIds.filter((id) => id !== from && id !== to);
      const pick = createRandom(hashString(`${o.seed}|split|${subject}`));
      const side = others.filter(() => pick() < 0.5);
      const rest = others.filter((id) => !side.includes(id));
      network.simulatePartition([from, ...side], [to, ...rest]);
      split = [new Set([from, ...side]), new Set([to, ...rest])];
      splitUntil = performance.now() + o.partitionMs;
      fault('partition', task);
      const splitAt = performance.now();
      const heal = (): void => {
        healers.delete(heal);
        exposure.splitMs += performance.now() - splitAt;
        split = undefined;
        network.healPartition();
      };
      healers.add(heal);
      later(o.partitionMs, heal);
    },
    startMemoryPressure() {
      const mb = o.memoryPressureMb;
      if (mb <= 0) return () => {};
      const chunk = 1024 * 1024;
      let n = 0;
      // Filled with a changing byte, so every page is touched and resident, not a shared zero page.
      const fresh = (): Buffer => Buffer.alloc(chunk, n++ & 0xff);
      held = Array.from({ length: mb }, fresh);
      const buffers = held;
      const churn = setInterval(() => {
        for (let i = 0; i < Math.max(1, mb >> 3); i++) buffers[(n + i) % mb] = fresh();
      }, 250);
      return () => {
        clearInterval(churn);
        buffers.length = 0;
      };
    },
    heldBytes: () => held.reduce((sum, b) => sum + b.length, 0),
    completed(task) {
      const list = open.get(task);
      if (list === undefined) return;
      open.delete(task);
      const now = performance.now();
      for (const f of list) recovered.push(now - f.at);
    },
    counts: () => ({ ...counts }),
    recoveries: () => [...recovered],
    exposure: () => ({ ...exposure }),
    unrecovered: () => [...open.values()].flat(),
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const heal of [...healers]) heal();
      splitUntil = 0;
    },
  };
}
