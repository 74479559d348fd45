/**
 * The current package's `createOrchestrationBus`: typed CloudEvents publishing and handler binding for
 * the orchestration events, over a pluggable transport (in-process by default; the agent network can
 * carry it later through the same {@link OrchestrationTransport} interface).
 */
import { z } from 'zod';
import {
  ALL_EVENT_SCHEMAS,
  EventEnvelopeSchema,
  type EventEnvelope,
  type EventPayload,
  type EventType,
} from '../contracts/events.js';
import { NoError, toError } from '../contracts/errors.js';
import { formatPath, parseWith } from '../contracts/validate.js';
import { createEventEnvelope, type EnvelopeOptions } from '../telemetry/events.js';

/** Subscribes to every type. */
export const ANY_EVENT_TYPE = '*';

export type TransportHandler = (envelope: EventEnvelope) => void | Promise<void>;

/**
 * What moves envelopes between publishers and subscribers. `publish` resolves once the transport has
 * accepted the envelope (the in-process one: once every subscriber has run); `subscribe` returns its
 * own unsubscribe. Subscriptions are per event type (or `'*'`), so a networked transport can map a
 * type to a topic.
 */
export interface OrchestrationTransport {
  publish(envelope: EventEnvelope): Promise<void>;
  subscribe(type: string, handler: TransportHandler): () => void;
}

export interface InProcessTransportOptions {
  /** Receives what a subscriber throws; a throwing subscriber never affects the others. */
  onError?: (error: Error, envelope: EventEnvelope) => void;
}

/**
 * Delivers each envelope, in this process, to the subscribers of its type and of `'*'`, concurrently;
 * `publish` resolves after all of them settle. Several buses sharing one transport see each other's
 * events. Subscribers added during a delivery get the next envelope, not this one.
 *
 * @example
 * const transport = createInProcessTransport();
 * const a = createOrchestrationBus({ transport });
 * const b = createOrchestrationBus({ transport }); // b's handlers receive a's events
 */
export function createInProcessTransport(options: InProcessTransportOptions = {}): OrchestrationTransport {
  const subscribers = new Map<string, Set<TransportHandler>>();
  const report = (error: unknown, envelope: EventEnvelope): void => {
    try {
      options.onError?.(toError(error), envelope);
    } catch {
      // An error listener that throws has nowhere left to report to.
    }
  };
  return {
    async publish(envelope) {
      const targets = [...(subscribers.get(envelope.type) ?? []), ...(subscribers.get(ANY_EVENT_TYPE) ?? [])];
      await Promise.all(
        targets.map(async (handler) => {
          try {
            await handler(envelope);
          } catch (error) {
            report(error, envelope);
          }
        }),
      );
    },
    subscribe(type, handler) {
      let set = subscribers.get(type);
      if (set === undefined) subscribers.set(type, (set = new Set()));
      // Wrap so the same function subscribed twice is two subscriptions.
      const entry: TransportHandler = (envelope) => handler(envelope);
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && subscribers.get(type) === set) subscribers.delete(type);
      };
    },
  };
}

/** An envelope whose `type` and `data` are those of one event type. */
export type OrchestrationEventEnvelope<T extends EventType = EventType> = Omit<EventEnvelope, 'type' | 'data'> & {
  type: T;
  data: EventPayload<T>;
};

export type OrchestrationEventHandler<T extends EventType = EventType> = (
  envelope: OrchestrationEventEnvelope<T>,
) => void | Promise<void>;

/** Handlers of `'*'` receive every valid envelope, including types this package does not know. */
export type AnyEventHandler = (envelope: EventEnvelope) => void | Promise<void>;

/** The record form: `{ 'orchestration.task.started': handler, '*': handler }`. */
export type OrchestrationHandlers = { [T in EventType]?: OrchestrationEventHandler<T> } & { '*'?: AnyEventHandler };

/** The current package's array form: `[{ type, handle }]`. */
export type OrchestrationHandlerBinding =
  | { [T in EventType]: { type: T; handle: OrchestrationEventHandler<T> } }[EventType]
  | { type: '*'; handle: AnyEventHandler };

/** Publish options: the envelope fields a publisher may set. */
export interface OrchestrationPublishOptions extends Omit<EnvelopeOptions, 'source' | 'now'> {
  /** @default 'application/json' */
  datacontenttype?: string;
  /** A URL of the payload's schema. */
  dataschema?: string;
}

export type DropReason = 'expired' | 'invalid';

export interface EnvelopeDrop {
  reason: DropReason;
  /** Human-readable detail, e.g. `expired 1500 ms ago` or the validation message. */
  message: string;
  /** The envelope as received (unvalidated when the reason is `invalid`). */
  envelope: unknown;
  /** `publish` when the bus refused to send it, `receive` when it arrived from the transport. */
  stage: 'publish' | 'receive';
}

export interface OrchestrationBusOptions {
  /** @default createInProcessTransport() (private to this bus) */
  transport?: OrchestrationTransport;
  /** CloudEvents `source` of what `publish` creates. @default 'urn:cortex:orchestration' */
  source?: string;
  /** Clock for envelope times and expiry. @default () => new Date() */
  now?: () => Date;
  /** Receives what a handler throws (or rejects with); other handlers still run. @default ignore */
  onError?: (error: Error, envelope: EventEnvelope) => void;
  /** Receives each envelope dropped as expired or invalid. @default ignore */
  onDrop?: (drop: EnvelopeDrop) => void;
}

export interface OrchestrationBus {
  /**
   * Validates the payload against the type's schema (a NoError INVALID_INPUT naming the field),
   * wraps it in a CloudEvents envelope and delivers it; resolves to the envelope.
   */
  publish<T extends EventType>(
    type: T,
    payload: EventPayload<T>,
    options?: OrchestrationPublishOptions,
  ): Promise<OrchestrationEventEnvelope<T>>;
  /**
   * Validates a whole envelope (the CloudEvents fields, and `data` for the known types; a NoError
   * INVALID_INPUT naming the field, e.g. `data.taskId`) and delivers it; resolves to the envelope
   * with defaults applied. An expired envelope is dropped (see `onDrop`), not sent.
   */
  publishEnvelope(envelope: z.input<typeof EventEnvelopeSchema>): Promise<EventEnvelope>;
  /** Binds handlers by type (record or `[{ type, handle }]`); returns an idempotent unsubscribe. */
  bind(handlers: OrchestrationHandlers | ReadonlyArray<OrchestrationHandlerBinding>): () => void;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.keys(ALL_EVENT_SCHEMAS));
const isKnownType = (type: string): type is EventType => KNOWN_TYPES.has(type);

/** Envelope schemas whose `data` is the type's payload, so errors name `data.<field>`. */
const TYPED_ENVELOPE_SCHEMAS = new Map<string, z.ZodType<EventEnvelope>>(
  Object.entries(ALL_EVENT_SCHEMAS).map(([type, payload]) => [type, EventEnvelopeSchema.extend({ data: payload })]),
);

function envelopeSchemaOf(type: unknown): z.ZodType<EventEnvelope> {
  return (typeof type === 'string' ? TYPED_ENVELOPE_SCHEMAS.get(type) : undefined) ?? EventEnvelopeSchema;
}

const typeOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;

/** Milliseconds past expiry (time + ttl < now), or undefined while alive. */
function expiredBy(envelope: EventEnvelope, now: Date): number | undefined {
  const expiresAt = Date.parse(envelope.time) + envelope.ttlMs;
  const late = now.getTime() - expiresAt;
  return late > 0 ? late : undefined;
}

function normalizeBindings(
  handlers: OrchestrationHandlers | ReadonlyArray<OrchestrationHandlerBinding>,
): Array<{ type: string; handle: AnyEventHandler }> {
  const list: Array<{ type: string; handle: unknown }> = Array.isArray(handlers)
    ? (handlers as ReadonlyArray<{ type: string; handle: unknown }>).map((b) => ({ type: b?.type, handle: b?.handle }))
    : Object.entries(handlers as Record<string, unknown>).map(([type, handle]) => ({ type, handle }));
  for (const [i, { type, handle }] of list.entries()) {
    const where = Array.isArray(handlers) ? `[${i}]` : String(type);
    if (type !== ANY_EVENT_TYPE && (typeof type !== 'string' || !isKnownType(type))) {
      throw new NoError('INVALID_INPUT', `invalid handlers: ${where}: unknown event type '${String(type)}' (bind '*' to receive any type)`, {
        details: { type, known: [...KNOWN_TYPES] },
      });
    }
    if (typeof handle !== 'function') {
      throw new NoError('INVALID_INPUT', `invalid handlers: ${where}: the handler of '${type}' must be a function`, {
        details: { type },
      });
    }
  }
  return list as Array<{ type: string; handle: AnyEventHandler }>;
}

/**
 * The current package's event bus.
 *
 * Decisions: payloads are validated on publish and envelopes again on receipt (a networked transport
 * may deliver anything); an envelope is expired when `time + ttlMs < now` and is then dropped, before
 * sending and on receipt, with `onDrop({ reason: 'expired' })` and no error (like a broker dropping a
 * stale message); an invalid received envelope is dropped with `reason: 'invalid'`. A handler that
 * throws is reported to `onError` and never stops the other handlers or fails the publisher. `bind`
 * keys must be known event types or `'*'` (typos fail loudly). All handlers of one bus receive the
 * same validated envelope object, which is not the publisher's object.
 *
 * @example
 * const bus = createOrchestrationBus({ onError: (e) => log.warn(e) });
 * const off = bus.bind({ 'orchestration.task.started': (e) => console.log(e.data.taskId) });
 * const envelope = await bus.publish('orchestration.task.started', { taskId: 'fetch', attempt: 1 }, { correlationId: 'run-1' });
 * off();
 */
export function createOrchestrationBus(options: OrchestrationBusOptions = {}): OrchestrationBus {
  const transport = options.transport ?? createInProcessTransport();
  const now = options.now ?? (() => new Date());
  // One validation per received envelope object, whatever the number of handlers.
  const received = new WeakMap<object, EventEnvelope | null>();

  const drop = (info: EnvelopeDrop): void => {
    try {
      options.onDrop?.(info);
    } catch {
      // A drop listener must not break delivery.
    }
  };
  const reportError = (error: unknown, envelope: EventEnvelope): void => {
    try {
      options.onError?.(toError(error), envelope);
    } catch {
      // An error listener must not break delivery.
    }
  };

  /** The envelope to hand to handlers, or null when it is dropped. */
  const accept = (incoming: EventEnvelope): EventEnvelope | null => {
    const cacheable = typeof incoming === 'object' && incoming !== null;
    if (cacheable && received.has(incoming)) return received.get(incoming)!;
    let result: EventEnvelope | null = null;
    const parsed = envelopeSchemaOf(typeOf(incoming)).safeParse(incoming);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${formatPath(i.path) || '(envelope)'}: ${i.message}`).join('; ');
      drop({ reason: 'invalid', message, envelope: incoming, stage: 'receive' });
    } else {
      const late = expiredBy(parsed.data, now());
      if (late === undefined) result = parsed.data;
      else drop({ reason: 'expired', message: `expired ${late} ms ago`, envelope: parsed.data, stage: 'receive' });
    }
    if (cacheable) received.set(incoming, result);
    return result;
  };

  const send = async (envelope: EventEnvelope): Promise<void> => {
    const late = expiredBy(envelope, now());
    if (late !== undefined) {
      drop({ reason: 'expired', message: `expired ${late} ms ago`, envelope, stage: 'publish' });
      return;
    }
    await transport.publish(envelope);
  };

  return {
    async publish(type, payload, publishOptions = {}) {
      if (!isKnownType(type)) {
        throw new NoError('INVALID_INPUT', `unknown event type '${String(type)}'`, { details: { type, known: [...KNOWN_TYPES] } });
      }
      const { datacontenttype, dataschema, ...envelopeOptions } = publishOptions;
      const built = createEventEnvelope(type, payload, {
        ...envelopeOptions,
        ...(options.source === undefined ? {} : { source: options.source }),
        now,
      });
      if (datacontenttype !== undefined) built.datacontenttype = datacontenttype;
      if (dataschema !== undefined) built.dataschema = dataschema;
      // The options are checked too (ttlMs, traceparent, dataschema, source), naming the field.
      const envelope = parseWith(EventEnvelopeSchema, built, { code: 'INVALID_INPUT', what: `${type} envelope` });
      await send(envelope);
      return envelope as OrchestrationEventEnvelope<typeof type>;
    },

    async publishEnvelope(input) {
      const envelope = parseWith(envelopeSchemaOf(typeOf(input)), input, { code: 'INVALID_INPUT', what: 'event envelope' });
      await send(envelope);
      return envelope;
    },

    bind(handlers) {
      const bindings = normalizeBindings(handlers);
      const unsubscribes = bindings.map(({ type, handle }) =>
        transport.subscribe(type, async (incoming) => {
          const envelope = accept(incoming);
          if (envelope === null) return;
          try {
            await handle(envelope);
          } catch (error) {
            reportError(error, envelope);
          }
        }),
      );
      let bound = true;
      return () => {
        if (!bound) return;
        bound = false;
        for (const unsubscribe of unsubscribes) unsubscribe();
      };
    },
  };
}
