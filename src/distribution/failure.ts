import { AgentFailureSchema, type AgentFailure } from '../contracts/distribution.js';
import { isNoError, NoError, NO_ERROR_CODES, toError, type NoErrorCode } from '../contracts/errors.js';
import { classifyFailure } from '../resilience/classify.js';

const NO_CODES: ReadonlySet<string> = new Set(NO_ERROR_CODES);

/** What an agent threw, as data: classified here, where all of the error (its causes too) is at hand. */
export function toAgentFailure(error: unknown): AgentFailure {
  const err = toError(error);
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    classification: classifyFailure(error),
    ...(typeof code === 'string' ? { code } : {}),
    ...(isNoError(error) ? { details: error.details } : {}),
  };
}

/**
 * The error the coordinator sees for a remote failure: a NoError when the agent threw one (same code
 * and details), else an Error of the same name and message. Both carry `classification`, so the
 * loop classifies it as the worker did.
 */
export function fromAgentFailure(data: unknown): Error {
  const parsed = AgentFailureSchema.safeParse(data);
  if (!parsed.success) {
    return Object.assign(new NoError('INTERNAL_ERROR', 'a worker sent a failure the coordinator cannot read', { details: { failure: data } }), {
      classification: 'agent-fault' as const,
    });
  }
  const f = parsed.data;
  const error =
    f.code !== undefined && NO_CODES.has(f.code)
      ? new NoError(f.code as NoErrorCode, f.message, { details: f.details ?? {} })
      : Object.assign(new Error(f.message), f.code === undefined ? {} : { code: f.code });
  if (!isNoError(error)) error.name = f.name;
  return Object.assign(error, { classification: f.classification });
}
