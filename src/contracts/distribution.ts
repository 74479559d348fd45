import { z } from 'zod';
import { IdSchema, PositiveIntSchema } from './common.js';
import { FailureClassSchema } from './loop.js';
import { TaskSchema } from './scheduler.js';

/**
 * One attempt of one task, as the coordinator hands it to another process: everything an agent's
 * `run` receives except its AbortSignal (which cannot cross a process; the distribution carries
 * cancellation itself) and `ctx.network` (messaging stays in the coordinator's process).
 */
export const AgentJobSchema = z.object({
  agentId: IdSchema,
  task: TaskSchema,
  /** The attempt's input: the task's own, or its fallback's. */
  input: z.unknown().optional(),
  /** Outputs of the task's dependencies, by task id. */
  dependencies: z.record(z.string(), z.unknown()),
  /** 1-based attempt number; together with the idempotency key it names the attempt. */
  attempt: PositiveIntSchema,
  /** The same for every attempt of the task in this run, also after a crash and resume. */
  idempotencyKey: z.string().min(1).max(256),
  threadId: z.string(),
  /** The attempt's timeout: the worker aborts the agent after it even when nobody waits any more. */
  timeoutMs: PositiveIntSchema,
  /** The agent's `maxConcurrency`: a distribution holds it over all processes together. */
  maxConcurrency: PositiveIntSchema,
});
export type AgentJob = z.infer<typeof AgentJobSchema>;

/**
 * An agent's failure as plain data, so the coordinator classifies a remote failure exactly as a local
 * one: `classification` is decided where the error was thrown, `code` keeps a NoError's code.
 */
export const AgentFailureSchema = z.object({
  name: z.string(),
  message: z.string(),
  classification: FailureClassSchema,
  code: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AgentFailure = z.infer<typeof AgentFailureSchema>;

/** One finished node of a graph agent, or of a graph nested in it; the same in process and across processes. */
export interface AgentStep {
  node: string;
  /** What the node returned: its update to its graph's state. */
  update: unknown;
  /** The namespace of the node's graph, as `stream(..., { subgraphs: true })` shows it. */
  namespace: string[];
}

export interface DistributionCallOptions {
  /** Aborts on the attempt's timeout or when the run stops: the distribution must stop the attempt. */
  signal: AbortSignal;
  /** Receives each step of a graph agent, when the distribution can carry them. */
  onStep?: ((step: AgentStep) => void) | undefined;
}

/**
 * Where the loop runs an attempt's agent instead of in its own process. Only the agent call moves:
 * admission (limits), retries, timeouts, breakers, fallbacks and compensation stay in the
 * coordinator. `invoke` resolves to the agent's output, or rejects with an error that classifies as
 * the agent's own did (see {@link AgentFailure}); after the signal aborts it rejects at once.
 */
export interface TaskDistribution {
  invoke(job: AgentJob, options: DistributionCallOptions): Promise<unknown>;
  /** Releases connections; attempts still waiting reject. */
  close(): Promise<void>;
}

/** Who coordinates a run: held for one coordinator pass of one thread. */
export interface RunLease {
  release(): Promise<void>;
}

/**
 * Makes one process at a time the coordinator of a thread. `acquire` resolves to a lease, or rejects
 * with a NoError 'RUN_LOCKED' when another process coordinates the thread now.
 */
export interface RunLeadership {
  acquire(threadId: string, signal?: AbortSignal): Promise<RunLease>;
}
