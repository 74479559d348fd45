/// <reference types="node" preserve="true" />
export { jobQueue } from './job-queue.js';
export type { JobQueue, JobQueueOptions } from './job-queue.js';
export { postgresLeadership } from './leadership.js';
export type { PostgresLeadership, PostgresLeadershipOptions, PgPoolLike, PgClientLike } from './leadership.js';
export { createWorker } from './worker.js';
export type { AgentWorker, CreateWorkerOptions } from './worker.js';
export {
  DEFAULT_CRASH_BOUND_MS,
  DEFAULT_KEEP_RESULTS_MS,
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_REDIS_URL,
  jobIdOf,
  queueNameOf,
  stallSettings,
} from './names.js';
export type { StallSettings } from './names.js';
export type { RedisConnection } from './modules.js';
export { AgentJobSchema, AgentFailureSchema } from '../contracts/distribution.js';
export type { AgentJob, AgentFailure, AgentStep, TaskDistribution, DistributionCallOptions, RunLeadership, RunLease } from '../contracts/distribution.js';
