import type { AgentFailure } from '../contracts/distribution.js';

/**
 * What a worker stores as a job's return value. An agent's failure is a result too (not a BullMQ
 * failure), so the coordinator gets it whole, classification and code included; BullMQ's own
 * failures (a job stalled too often, a cancelled attempt) stay BullMQ failures.
 */
export type JobResult = { ok: true; output: unknown } | { ok: false; error: AgentFailure };

export function isJobResult(value: unknown): value is JobResult {
  if (typeof value !== 'object' || value === null) return false;
  const ok = (value as { ok?: unknown }).ok;
  return ok === true || (ok === false && typeof (value as { error?: unknown }).error === 'object');
}
