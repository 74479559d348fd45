import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import {
  ALL_EVENT_SCHEMAS,
  DEFAULT_EVENT_SOURCE,
  DEFAULT_EVENT_TTL_MS,
  type EventEnvelope,
  type EventPayload,
  type EventType,
} from '../contracts/events.js';
import { parseWith } from '../contracts/validate.js';

export interface EnvelopeOptions {
  /** @default DEFAULT_EVENT_SOURCE ('urn:cortex:orchestration', the current package's source) */
  source?: string;
  subject?: string;
  correlationId?: string;
  causationId?: string;
  /** @default DEFAULT_EVENT_TTL_MS */
  ttlMs?: number;
  headers?: Record<string, string>;
  /** W3C trace context; taken from the active span when omitted. */
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * Skip validating `data` against the type's schema: only for payloads the package builds itself,
   * typed by `EventPayload<T>` (the loop emits several events per task). @default true
   */
  validate?: boolean;
}

/** The active span's context as a W3C traceparent, so a receiver can continue the trace. */
export function activeTraceparent(): string | undefined {
  const span = trace.getSpan(context.active());
  const ctx = span?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return undefined;
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 1).toString(16).padStart(2, '0')}`;
}

/**
 * Builds a CloudEvents 1.0 envelope for a known event type, validating the payload against the
 * type's schema (a bad payload is a typed INVALID_INPUT error naming the field).
 *
 * @example
 * const e = createEventEnvelope('orchestration.task.started', { taskId: 'fetch', attempt: 1 });
 */
export function createEventEnvelope<T extends EventType>(
  type: T,
  data: EventPayload<T>,
  options: EnvelopeOptions = {},
): EventEnvelope {
  const payload = options.validate === false ? data : parseWith(ALL_EVENT_SCHEMAS[type], data, { code: 'INVALID_INPUT', what: `${type} payload` });
  const envelope: EventEnvelope = {
    id: randomUUID(),
    type,
    source: options.source ?? DEFAULT_EVENT_SOURCE,
    specversion: '1.0',
    time: (options.now?.() ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    ttlMs: options.ttlMs ?? DEFAULT_EVENT_TTL_MS,
    headers: options.headers ?? {},
    data: payload,
  };
  const traceparent = options.traceparent ?? activeTraceparent();
  if (traceparent !== undefined) envelope.traceparent = traceparent;
  if (options.subject !== undefined) envelope.subject = options.subject;
  if (options.correlationId !== undefined) envelope.correlationId = options.correlationId;
  if (options.causationId !== undefined) envelope.causationId = options.causationId;
  if (options.tracestate !== undefined) envelope.tracestate = options.tracestate;
  if (options.baggage !== undefined) envelope.baggage = options.baggage;
  return envelope;
}
