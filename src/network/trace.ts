import { ROOT_CONTEXT, TraceFlags, context, trace, type Context } from '@opentelemetry/api';
import { DEFAULT_EVENT_TTL_MS, TRACEPARENT_PATTERN, type EventEnvelope } from '../contracts/events.js';
import type { DeliveredMessage } from '../contracts/network.js';

/** CloudEvents types of message envelopes (to join NoEventTypes with the contract change). */
export const MESSAGE_EVENT_TYPES = {
  direct: 'no.message.direct',
  broadcast: 'no.message.broadcast',
} as const;

/**
 * The context a receiver runs in: the sender's span as remote parent when the message carries a
 * valid traceparent, else the receiver's current context.
 */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (traceparent === undefined || !TRACEPARENT_PATTERN.test(traceparent)) return context.active();
  const [, traceId, spanId, flags] = traceparent.split('-') as [string, string, string, string];
  const spanContext = { traceId, spanId, isRemote: true, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED };
  if (!trace.isSpanContextValid(spanContext)) return context.active();
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** The CloudEvents 1.0 envelope a delivered message travels in; `data` is the signed message itself. */
export function messageEnvelope(message: DeliveredMessage): EventEnvelope {
  const envelope: EventEnvelope = {
    id: message.id,
    type: message.topic === undefined ? MESSAGE_EVENT_TYPES.direct : MESSAGE_EVENT_TYPES.broadcast,
    source: `urn:no:agent:${message.from}`,
    specversion: '1.0',
    time: new Date(message.sentAt).toISOString(),
    datacontenttype: 'application/json',
    subject: message.topic ?? message.to,
    // A message without a correlation id starts a conversation of its own.
    correlationId: message.correlationId ?? message.id,
    ttlMs: DEFAULT_EVENT_TTL_MS,
    headers: { 'no-message-type': message.type },
    data: message,
  };
  if (message.causationId !== undefined) envelope.causationId = message.causationId;
  if (message.traceparent !== undefined) envelope.traceparent = message.traceparent;
  return envelope;
}
