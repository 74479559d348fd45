import type { Job, Worker } from 'bullmq';
import { AgentJobSchema, type AgentStep } from '../contracts/distribution.js';
import { NoError } from '../contracts/errors.js';
import { timeout } from '../resilience/timeout.js';
import { createAgentPool } from '../loop/agent-pool.js';
import { invokeAgent, type AgentDefinition } from '../loop/agents.js';
import { toAgentFailure } from './failure.js';
import { loadBullMQ, redisClient, type Redis, type RedisConnection } from './modules.js';
import { cancelChannelOf, cancelKeyOf, DEFAULT_QUEUE_PREFIX, DEFAULT_REDIS_URL, queueNameOf, stallSettings } from './names.js';
import type { JobResult } from './result.js';

export interface CreateWorkerOptions {
  /** The agents this process runs: the same definitions the coordinator's loop has (one module serves both). */
  agents: AgentDefinition[];
  /** A Redis URL or ioredis options. @default DEFAULT_REDIS_URL ('redis://127.0.0.1:6379') */
  connection?: RedisConnection;
  /** The coordinator's queue prefix. @default DEFAULT_QUEUE_PREFIX ('langgraph-no') */
  prefix?: string;
  /**
   * Jobs of one agent this process runs at once. The agent's `maxConcurrency` also holds over all
   * processes together (the coordinator sets it on the queue). @default the agent's maxConcurrency
   */
  concurrency?: number;
  /**
   * Longest a job of this process stays with it after the process dies before another worker takes
   * it; sets BullMQ's lock duration and stall check. @default DEFAULT_CRASH_BOUND_MS (30 s)
   */
  crashBoundMs?: number;
  /** How long to wait for the first Redis connection. @default DEFAULT_CONNECT_TIMEOUT_MS (10 s) */
  connectTimeoutMs?: number;
  /** Receives Redis and BullMQ errors (ioredis reconnects on its own). @default process.emitWarning */
  onError?: (error: Error) => void;
}

/** A running worker process's side: one BullMQ worker per agent. */
export interface AgentWorker {
  readonly agentIds: readonly string[];
  /** Stops taking jobs and waits for the running ones to finish (`force`: abandons them instead). */
  close(force?: boolean): Promise<void>;
}

const warn = (error: Error): void => process.emitWarning(error);

function validated(options: CreateWorkerOptions): { agents: AgentDefinition[]; concurrency: number | undefined } {
  if (!Array.isArray(options.agents) || options.agents.length === 0) {
    throw new NoError('INVALID_REQUEST', "a worker needs at least one agent: pass agents: [{ id: 'worker', capabilities: ['work'], run: async (input, ctx) => ... }]", {
      details: { agents: Array.isArray(options.agents) ? 0 : typeof options.agents },
    });
  }
  const { concurrency } = options;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new NoError('INVALID_NUMBER', `concurrency must be a positive integer, got ${String(concurrency)}`, { details: { concurrency } });
  }
  return { agents: options.agents, concurrency };
}

/**
 * Runs the agents' jobs that coordinators publish with `jobQueue(...)`, in this process. Each agent
 * gets a BullMQ worker on its own queue, so this process never takes a job of an agent it lacks.
 * An attempt runs as it would in the coordinator (`invokeAgent`, the attempt's timeout, the same
 * context) and its outcome, failure included, is stored by BullMQ before the job completes. While a
 * job runs its lock is renewed; when this process dies, another worker takes the job within
 * `crashBoundMs`, with the same idempotency key.
 *
 * @example
 * const worker = await createWorker({ agents, connection: 'redis://127.0.0.1:6379' });
 * process.once('SIGTERM', () => void worker.close());
 */
export async function createWorker(options: CreateWorkerOptions): Promise<AgentWorker> {
  const { agents, concurrency } = validated(options);
  // The pool checks the definitions as the loop does (ids, capabilities, runners).
  const pool = createAgentPool().add(agents);
  const stall = stallSettings(options.crashBoundMs);
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const onError = options.onError ?? warn;
  const bullmq = await loadBullMQ();
  const client = await redisClient(options.connection ?? DEFAULT_REDIS_URL, onError, options.connectTimeoutMs);
  let subscriber: Redis | undefined;
  const workers = new Map<string, Worker>();

  const processorFor = (agentId: string) =>
    // Three parameters: BullMQ passes the abort signal of `cancelJob` only to a processor that takes it.
    async (job: Job, _token: string | undefined, signal?: AbortSignal): Promise<JobResult> => {
      const parsed = AgentJobSchema.safeParse(job.data);
      if (!parsed.success || parsed.data.agentId !== agentId) {
        throw new NoError('INVALID_INPUT', `job ${String(job.id)} on ${queueNameOf(agentId)} is not an attempt of agent '${agentId}'`, {
          details: { jobId: job.id },
        });
      }
      const data = parsed.data;
      // An attempt its coordinator gave up on can still reach a worker (moved back after a crash).
      if ((await client.exists(cancelKeyOf(prefix, queueNameOf(agentId), String(job.id)))) === 1) {
        throw new NoError('ABORTED', `attempt ${String(job.id)} was cancelled by its coordinator`, { details: { jobId: job.id } });
      }
      const onStep = (step: AgentStep): void => {
        job.updateProgress(step as unknown as object).catch(onError);
      };
      try {
        const output = await timeout(data.timeoutMs).execute(
          ({ signal: attemptSignal }) =>
            invokeAgent(
              pool.runner(agentId),
              data.input,
              { task: data.task, dependencies: data.dependencies, attempt: data.attempt, idempotencyKey: data.idempotencyKey, agentId, threadId: data.threadId, signal: attemptSignal },
              { onStep },
            ),
          signal,
        );
        return { ok: true, output };
      } catch (error) {
        // Cancelled by its coordinator: not an outcome to keep (the job fails and is removed).
        if (signal?.aborted) throw error;
        return { ok: false, error: toAgentFailure(error) };
      }
    };

  try {
    for (const agentId of pool.ids()) {
      const worker = new bullmq.Worker(queueNameOf(agentId), processorFor(agentId), {
        connection: client,
        prefix,
        concurrency: concurrency ?? pool.definition(agentId).maxConcurrency ?? 1,
        ...stall,
        name: `${process.pid}`,
      });
      worker.on('error', onError);
      workers.set(queueNameOf(agentId), worker);
    }
    subscriber = client.duplicate();
    subscriber.on('error', onError);
    subscriber.on('message', (_channel: string, text: string) => {
      try {
        const { queue, jobId, reason } = JSON.parse(text) as { queue: string; jobId: string; reason?: string };
        workers.get(queue)?.cancelJob(jobId, reason);
      } catch (error) {
        onError(error as Error);
      }
    });
    await subscriber.subscribe(cancelChannelOf(prefix));
    await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));
  } catch (error) {
    await Promise.allSettled([...workers.values()].map((w) => w.close(true)));
    subscriber?.disconnect();
    client.disconnect();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    agentIds: pool.ids(),
    close(force = false) {
      return (closing ??= (async () => {
        await Promise.allSettled([...workers.values()].map((w) => w.close(force)));
        subscriber?.disconnect();
        await client.quit().catch(() => client.disconnect());
      })());
    },
  };
}
