import { BAD_INPUT_ERROR_CODES } from '../contracts/errors.js';
import { FailureClassSchema, type FailureClass } from '../contracts/loop.js';

/** Error codes (nO codes and Node/undici network codes) that a later attempt may well not hit. */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'TIMEOUT',
  'RATE_LIMITED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Codes that mean the run itself is over (cancelled): nothing should be retried or moved. */
export const FATAL_ERROR_CODES: ReadonlySet<string> = new Set(['ABORTED']);

/**
 * How many links of `cause` (and AggregateError `errors`) classifyFailure follows. fetch puts the
 * network code one level down (`TypeError: fetch failed` → cause), Happy Eyeballs one more
 * (an AggregateError of one error per address); wrappers add a few. The bound keeps a
 * pathological chain from costing more than a handful of property reads.
 */
export const MAX_CAUSE_DEPTH = 8;

type Fields = Record<string, unknown>;

function isTransientStatus(value: unknown): boolean {
  return typeof value === 'number' && (value === 408 || value === 429 || (value >= 500 && value <= 599));
}

function httpStatusIsTransient(fields: Fields): boolean {
  const response = fields['response'];
  const nested = typeof response === 'object' && response !== null ? (response as Fields) : {};
  return [fields['status'], fields['statusCode'], nested['status'], nested['statusCode']].some(isTransientStatus);
}

/** What one error says about itself, without looking at its causes; undefined when it says nothing. */
function classifyOwn(fields: Fields): FailureClass | undefined {
  const explicit = FailureClassSchema.safeParse(fields['classification']);
  if (explicit.success) return explicit.data;

  const code = typeof fields['code'] === 'string' ? fields['code'] : undefined;
  const name = typeof fields['name'] === 'string' ? fields['name'] : undefined;

  if (name === 'ZodError' || (code !== undefined && (BAD_INPUT_ERROR_CODES as ReadonlySet<string>).has(code))) return 'bad-input';
  // A DOM-style AbortError (fetch, AbortSignal) means someone cancelled, like our ABORTED.
  if (name === 'AbortError' || (code !== undefined && FATAL_ERROR_CODES.has(code))) return 'fatal';
  if (
    name === 'TimeoutError' || // AbortSignal.timeout()
    (code !== undefined && TRANSIENT_ERROR_CODES.has(code)) ||
    httpStatusIsTransient(fields) ||
    fields['retryable'] === true
  ) {
    return 'transient';
  }
  return undefined;
}

/** The errors one level below `fields`: its `cause` and, for an AggregateError, each of its `errors`. */
function causesOf(fields: Fields): unknown[] {
  const below: unknown[] = [];
  if (fields['cause'] !== undefined) below.push(fields['cause']);
  const errors = fields['errors'];
  if (Array.isArray(errors)) below.push(...errors);
  return below;
}

// Among causes found at the same depth, the one that rules out a retry wins: one cancelled or
// malformed sub-request makes the whole call so, however many siblings merely timed out.
const SEVERITY: Record<FailureClass, number> = { fatal: 3, 'bad-input': 2, transient: 1, 'agent-fault': 0 };

/**
 * Decides how a failure is treated (docs/architecture.md lists where each is handled): `transient` is retried with backoff,
 * `agent-fault` counts against the agent's breaker and moves the task, `bad-input` fails the task at
 * once, `fatal` stops the run. An explicit `classification` on the thrown object always wins, so
 * agents and tools can say what they know. An error that says nothing itself is judged by its causes,
 * nearest first, to {@link MAX_CAUSE_DEPTH} levels: `TypeError: fetch failed` is transient when its
 * cause is a refused connection. Anything still unrecognised, including non-Errors, is an agent fault
 * (the agent misbehaved, another agent may not).
 *
 * @example
 * classifyFailure(new NoError('TIMEOUT', 'slow'));                  // 'transient'
 * classifyFailure(Object.assign(new Error('x'), { status: 503 }));  // 'transient'
 * classifyFailure(await fetch(closedPort).catch((e) => e));         // 'transient' (cause.code ECONNREFUSED)
 * classifyFailure('boom');                                          // 'agent-fault'
 */
export function classifyFailure(error: unknown): FailureClass {
  const seen = new Set<unknown>();
  let level: unknown[] = [error];
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && level.length > 0; depth++) {
    let found: FailureClass | undefined;
    const next: unknown[] = [];
    for (const candidate of level) {
      if (typeof candidate !== 'object' || candidate === null || seen.has(candidate)) continue;
      seen.add(candidate);
      const fields = candidate as Fields;
      const own = classifyOwn(fields);
      if (own !== undefined) {
        if (found === undefined || SEVERITY[own] > SEVERITY[found]) found = own;
      } else {
        next.push(...causesOf(fields));
      }
    }
    if (found !== undefined) return found;
    level = next;
  }
  return 'agent-fault';
}
