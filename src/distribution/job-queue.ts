import type { Job, Queue, QueueEvents } from 'bullmq';
import type { AgentJob, AgentStep, DistributionCallOptions, TaskDistribution } from '../contracts/distribution.js';
import { NoError } from '../contracts/errors.js';
import { abortError } from '../resilience/abort.js';
import { fromAgentFailure } from './failure.js';
import { loadBullMQ, redisClient, type BullMQ, type Redis, type RedisConnection } from './modules.js';
import {
  AGENT_JOB_NAME,
  cancelChannelOf,
  cancelKeyOf,
  DEFAULT_KEEP_RESULTS_MS,
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_REDIS_URL,
  jobIdOf,
  queueNameOf,
} from './names.js';
import { isJobResult, type JobResult } from './result.js';

export interface JobQueueOptions {
  /** A Redis URL or ioredis options. @default DEFAULT_REDIS_URL ('redis://127.0.0.1:6379') */
  connection?: RedisConnection;
  /** Key prefix of every queue; workers must use the same. @default DEFAULT_QUEUE_PREFIX ('langgraph-no') */
  prefix?: string;
  /** How long to wait for the first Redis connection. @default DEFAULT_CONNECT_TIMEOUT_MS (10 s) */
  connectTimeoutMs?: number;
  /** How long a finished job's result stays in Redis. @default DEFAULT_KEEP_RESULTS_MS (24 h) */
  keepResultsMs?: number;
  /**
   * Receives what goes wrong beside an attempt: Redis connection errors (ioredis reconnects on its
   * own), a cancellation that could not be sent. @default process.emitWarning
   */
  onError?: (error: Error) => void;
}

/** A {@link TaskDistribution} on BullMQ; `ready()` connects early (the first `invoke` does otherwise). */
export interface JobQueue extends TaskDistribution {
  ready(): Promise<void>;
}

interface Waiter {
  completed(value: unknown): void;
  failed(reason: string): void;
  stop(error: Error): void;
  step?: ((step: AgentStep) => void) | undefined;
}

/** One agent's queue and its event stream, with the attempts that wait on it. */
interface Lane {
  name: string;
  queue: Queue;
  events: QueueEvents;
  waiters: Map<string, Waiter>;
}

interface Connected {
  bullmq: BullMQ;
  client: Redis;
}

const warn = (error: Error): void => process.emitWarning(error);

/**
 * Runs each attempt's agent on a worker process (see `createWorker`), through BullMQ on Redis. Each
 * agent has its own queue, so only a worker that has the agent takes its jobs; the agent's
 * `maxConcurrency` is the queue's global concurrency, a limit over every worker process together.
 * A job's id is the attempt's (idempotency key and attempt number): a coordinator that resumes a
 * run adds the same ids again and gets the jobs already there, and a stored result back instead of a
 * second run. When the attempt's signal aborts (its timeout, the run stopping), a waiting job is
 * removed and a running one is cancelled on its worker.
 *
 * @example
 * const distribution = jobQueue({ connection: 'redis://127.0.0.1:6379' });
 * const loop = createMasterAgentLoop({ agents, checkpointer, distribution });
 * // ... invoke runs; worker processes run `langgraph-no worker --agents ./agents.js`
 * await distribution.close();
 */
export function jobQueue(options: JobQueueOptions = {}): JobQueue {
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const keepResultsMs = options.keepResultsMs ?? DEFAULT_KEEP_RESULTS_MS;
  if (!Number.isInteger(keepResultsMs) || keepResultsMs < 1_000) {
    throw new NoError('INVALID_NUMBER', `keepResultsMs must be an integer of at least 1000, got ${String(keepResultsMs)}`, { details: { keepResultsMs } });
  }
  const onError = options.onError ?? warn;
  // A cancel mark lives as long as a result would: longer than any stall recovery of the job it marks
  // (whatever crash bound the workers use), so a worker that gets the job back after a crash sees it.
  const cancelTtlMs = keepResultsMs;
  const lanes = new Map<string, Promise<Lane>>();
  let connected: Promise<Connected> | undefined;
  let closed = false;

  const connect = (): Promise<Connected> => {
    if (connected === undefined) {
      connected = (async () => {
        const bullmq = await loadBullMQ();
        const client = await redisClient(options.connection ?? DEFAULT_REDIS_URL, onError, options.connectTimeoutMs);
        return { bullmq, client };
      })();
      // A connection that failed is tried again by the next attempt, not remembered as failed.
      connected.catch(() => (connected = undefined));
    }
    return connected;
  };

  const openLane = async (agentId: string, maxConcurrency: number): Promise<Lane> => {
    const { bullmq, client } = await connect();
    const name = queueNameOf(agentId);
    const queue = new bullmq.Queue(name, { connection: client, prefix });
    // Read the event stream from where it ends now. QueueEvents' default ('$') starts at the end as of
    // its first XREAD, which runs some round trips after waitUntilReady: an event in between (the
    // 'duplicated' of a job a coordinator before this one finished) would be lost, and its attempt
    // would wait for its timeout.
    const [last] = await client.xrevrange(queue.toKey('events'), '+', '-', 'COUNT', 1);
    const events = new bullmq.QueueEvents(name, { connection: client, prefix, lastEventId: last?.[0] ?? '0' });
    queue.on('error', onError);
    events.on('error', onError);
    const lane: Lane = { name, queue, events, waiters: new Map() };
    events.on('completed', ({ jobId, returnvalue }) => lane.waiters.get(jobId)?.completed(returnvalue));
    events.on('failed', ({ jobId, failedReason }) => lane.waiters.get(jobId)?.failed(failedReason));
    events.on('progress', ({ jobId, data }) => lane.waiters.get(jobId)?.step?.(data as unknown as AgentStep));
    // A job of this id was already there (a coordinator before this one added it): it may have finished.
    events.on('duplicated', ({ jobId }) => {
      const waiter = lane.waiters.get(jobId);
      if (!waiter) return;
      queue.getJob(jobId).then(
        (job: Job | undefined) => {
          if (job?.finishedOn === undefined) return; // still waiting or running: its events will come
          if (job.failedReason) waiter.failed(job.failedReason);
          else waiter.completed(job.returnvalue);
        },
        onError,
      );
    });
    await events.waitUntilReady();
    await queue.setGlobalConcurrency(maxConcurrency);
    return lane;
  };

  const laneOf = (agentId: string, maxConcurrency: number): Promise<Lane> => {
    let lane = lanes.get(agentId);
    if (!lane) {
      lane = openLane(agentId, maxConcurrency);
      lanes.set(agentId, lane);
      // A lane that failed to open is tried again by the next attempt.
      lane.catch(() => lanes.delete(agentId));
    }
    return lane;
  };

  /** Removes a waiting job; asks the worker running it to stop; marks it so a later start skips it. */
  const cancel = async (lane: Lane, jobId: string, reason: string): Promise<void> => {
    const { client } = await connect();
    await client
      .multi()
      .set(cancelKeyOf(prefix, lane.name, jobId), reason, 'PX', cancelTtlMs)
      .publish(cancelChannelOf(prefix), JSON.stringify({ queue: lane.name, jobId, reason }))
      .exec();
    // Removal fails for a job a worker holds (its lock), which the message above stops instead.
    await lane.queue.remove(jobId);
  };

  const settleResult = async (lane: Lane, jobId: string, value: unknown): Promise<unknown> => {
    if (!isJobResult(value)) throw new NoError('INTERNAL_ERROR', `job ${jobId} on ${lane.name} returned no result envelope`, { details: { jobId } });
    const result: JobResult = value;
    if (result.ok) return result.output;
    // A failed attempt is not a result to keep: a coordinator resuming this run runs it again, as it
    // would have in one process.
    await lane.queue.remove(jobId).catch(onError);
    throw fromAgentFailure(result.error);
  };

  return {
    ready: async () => {
      await connect();
    },

    async invoke(job: AgentJob, { signal, onStep }: DistributionCallOptions): Promise<unknown> {
      if (closed) throw new NoError('ABORTED', 'the job queue is closed');
      if (signal.aborted) throw abortError(signal);
      const lane = await laneOf(job.agentId, job.maxConcurrency);
      if (signal.aborted) throw abortError(signal);
      const jobId = jobIdOf(job.idempotencyKey, job.attempt);
      const { client } = await connect();
      return new Promise<unknown>((resolve, reject) => {
        let done = false;
        const finish = (): boolean => {
          if (done) return false;
          done = true;
          lane.waiters.delete(jobId);
          signal.removeEventListener('abort', onAbort);
          return true;
        };
        const onAbort = (): void => {
          if (!finish()) return;
          reject(abortError(signal));
          cancel(lane, jobId, String((signal.reason as Error | undefined)?.message ?? 'aborted')).catch(onError);
        };
        lane.waiters.set(jobId, {
          completed: (value) => {
            if (finish()) settleResult(lane, jobId, value).then(resolve, reject);
          },
          failed: (reason) => {
            // BullMQ failed the job itself (stalled too often, cancelled, unreadable): worth a retry.
            if (finish()) reject(Object.assign(new Error(`job ${jobId} failed on a worker: ${reason}`), { classification: 'transient' as const }));
          },
          stop: (error) => {
            if (finish()) reject(error);
          },
          step: onStep,
        });
        signal.addEventListener('abort', onAbort, { once: true });
        (async () => {
          // A mark left by an earlier coordinator's cancel must not stop this attempt.
          await client.del(cancelKeyOf(prefix, lane.name, jobId));
          await lane.queue.add(AGENT_JOB_NAME, job, {
            jobId,
            attempts: 1,
            removeOnComplete: { age: Math.ceil(keepResultsMs / 1000) },
            removeOnFail: true,
          });
        })().catch((error: unknown) => {
          // The queue, not the agent, failed: say so, and let the attempt be retried.
          if (finish()) reject(Object.assign(new NoError('INTERNAL_ERROR', `could not put attempt ${jobId} on ${lane.name}: ${(error as Error)?.message ?? String(error)}; check that Redis is reachable and the job id is one BullMQ accepts`, { details: { jobId, queue: lane.name } }), { classification: 'transient' as const }));
        });
      });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const opened = await Promise.allSettled([...lanes.values()]);
      for (const result of opened) {
        if (result.status !== 'fulfilled') continue;
        const lane = result.value;
        for (const waiter of [...lane.waiters.values()]) waiter.stop(new NoError('ABORTED', 'the job queue was closed'));
        await lane.events.close();
        await lane.queue.close();
      }
      lanes.clear();
      if (connected) {
        const { client } = await connected.catch(() => ({ client: undefined }));
        await client?.quit().catch(() => client.disconnect());
      }
    },
  };
}
