import { NoError, type NoErrorCode } from '../contracts/errors.js';
import type { FailureClass } from '../contracts/loop.js';

export interface A2ARemoteErrorOptions {
  /** How the loop's recovery treats it (see classifyFailure): it is set on every instance. */
  classification: FailureClass;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * A call to a remote A2A agent failed. It carries its own `classification`, which the loop's
 * recovery honours: `transient` for an unreachable or overloaded peer (retried with backoff),
 * `agent-fault` for a task the remote ended failed, rejected or canceled (the task moves to another
 * agent). `details.remoteTaskId` and `details.state` name the remote task when there is one.
 *
 * @example
 * try { await remote.run(input, ctx) } catch (e) { if (isA2ARemoteError(e)) log(e.details.state) }
 */
export class A2ARemoteError extends NoError {
  override name = 'A2ARemoteError';
  readonly classification: FailureClass;

  constructor(code: NoErrorCode, message: string, options: A2ARemoteErrorOptions) {
    super(code, message, {
      ...(options.details === undefined ? {} : { details: options.details }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.classification = options.classification;
  }
}

export function isA2ARemoteError(value: unknown): value is A2ARemoteError {
  return value instanceof A2ARemoteError;
}

/** 408, 429 and 5xx: a later attempt may well get through. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function urlOf(input: Parameters<typeof fetch>[0]): string {
  return input instanceof Request ? input.url : String(input);
}

/**
 * Wraps fetch so that what a later attempt may not hit is a transient {@link A2ARemoteError}: no
 * connection (the peer is down or restarting) and HTTP 408, 429 and 5xx. An abort stays an abort.
 * HTTP 401 (a missing or wrong bearer token) is an `agent-fault` PERMISSION_DENIED.
 * The SDK's transports and card resolver call it for every request, so one place classifies them all.
 */
export function classifyingFetch(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = urlOf(input);
    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
      const reason = typeof cause?.message === 'string' ? cause.message : (error as Error).message;
      throw new A2ARemoteError('TASK_FAILED', `A2A peer unreachable at ${url}: ${reason}`, {
        classification: 'transient',
        details: { url, ...(typeof cause?.code === 'string' ? { errorCode: cause.code } : {}) },
        cause: error,
      });
    }
    if (response.status === 401) {
      await response.body?.cancel();
      // Another agent may well be let in; this one will refuse every retry alike.
      throw new A2ARemoteError('PERMISSION_DENIED', `A2A peer at ${url} refused the request (HTTP 401): pass the server's bearer token as createA2AAgent({ token })`, {
        classification: 'agent-fault',
        details: { url, status: 401 },
      });
    }
    if (!isTransientStatus(response.status)) return response;
    await response.body?.cancel();
    const code: NoErrorCode = response.status === 429 ? 'RATE_LIMITED' : response.status === 408 || response.status === 504 ? 'TIMEOUT' : 'TASK_FAILED';
    throw new A2ARemoteError(code, `A2A peer at ${url} answered HTTP ${response.status}`, {
      classification: 'transient',
      details: { url, status: response.status },
    });
  };
}
