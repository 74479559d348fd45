import { context } from '@opentelemetry/api';
import type { Listeners } from '../contracts/listeners.js';
import type { DeliveredMessage } from '../contracts/network.js';
import { SPAN_NAMES } from '../telemetry/names.js';
import { withSpan } from '../telemetry/tracer.js';
import type { MessageGuard } from './message-guard.js';
import { refuse } from './message-guard.js';
import type { Inbox, InboxHost } from './inbox.js';
import { recordMessage, recordMessageLatency, type MessageKind } from './metrics.js';
import type { PartitionTable } from './partitions.js';
import type { DeliveredLog } from './store.js';
import { contextFromTraceparent, messageEnvelope } from './trace.js';

export const MESSAGE_ATTRIBUTES = {
  id: 'no.message.id',
  type: 'no.message.type',
  kind: 'no.message.kind',
  from: 'no.message.from',
  to: 'no.message.to',
  topic: 'no.message.topic',
} as const;

export interface DeliveryCounters {
  queued: number;
  delivered: number;
  handlerErrors: number;
}

/** A handler's failure, as the network's `onError` listeners hear it. */
export interface HandlerFailure {
  error: unknown;
  message: DeliveredMessage;
}

/** How a message left an inbox. */
export type SettleOutcome = 'delivered' | 'handler-error' | 'refused';

export interface DeliveryDeps {
  guard: MessageGuard;
  partitions: PartitionTable;
  log: DeliveredLog;
  counters: DeliveryCounters;
  handlerFailures: Listeners<HandlerFailure>;
  now: () => number;
  /** Called once a message has left an inbox for good. */
  settled(message: DeliveredMessage, outcome: SettleOutcome): void;
}

const kindOf = (message: DeliveredMessage): MessageKind => (message.topic === undefined ? 'direct' : 'broadcast');

/** Counts a message as delivered (to a handler or a pull) and keeps it in the delivered log. */
export function delivered(deps: DeliveryDeps, message: DeliveredMessage): void {
  const kind = kindOf(message);
  deps.counters.delivered++;
  deps.log.add(message);
  recordMessage(kind, 'delivered');
  recordMessageLatency(Math.max(0, deps.now() - message.sentAt) / 1000, kind);
  deps.settled(message, 'delivered');
}

/**
 * How inboxes hand messages over: each delivery runs in a `no.message.deliver` span whose parent is
 * the sender's span (from the signed traceparent), so the trace continues in the receiver.
 */
export function createDeliveryHost(deps: DeliveryDeps): InboxHost {
  const { guard, partitions, counters } = deps;
  return {
    available: (inbox) => inbox.owner === undefined || guard.registry.isReachable(inbox.owner),
    blocked: (inbox, message) => inbox.owner !== undefined && partitions.active() && partitions.blocks(message.from, inbox.owner),
    queuedChanged(delta) {
      counters.queued += delta;
    },
    async dispatch(inbox: Inbox, message: DeliveredMessage) {
      const kind = kindOf(message);
      // Zero trust holds at hand-over too: a sender revoked while its message waited is refused now.
      if (guard.keyring.isRevoked(message.from)) {
        refuse(guard, 'revoked', kind, message.from, `sender ${message.from} was revoked`, { id: message.id }, 'message.deliver');
        deps.settled(message, 'refused');
        return;
      }
      const envelope = messageEnvelope(message);
      const attributes = {
        [MESSAGE_ATTRIBUTES.id]: message.id,
        [MESSAGE_ATTRIBUTES.type]: message.type,
        [MESSAGE_ATTRIBUTES.kind]: kind,
        [MESSAGE_ATTRIBUTES.from]: message.from,
        [inbox.owner === undefined ? MESSAGE_ATTRIBUTES.topic : MESSAGE_ATTRIBUTES.to]: message.topic ?? inbox.owner ?? '',
      };
      const handlers = [...inbox.handlers];
      try {
        await context.with(contextFromTraceparent(message.traceparent), () =>
          withSpan(SPAN_NAMES.messageDeliver, attributes, async () => {
            const results = await Promise.allSettled(handlers.map(async (handler) => handler(message, envelope)));
            const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
            if (failed) throw failed.reason;
          }),
        );
        delivered(deps, message);
      } catch (error) {
        // The message was handed over; a handler that fails does not get it again (no poison loops).
        counters.handlerErrors++;
        recordMessage(kind, 'handler_error');
        guard.audit.append({
          actor: inbox.owner ?? 'subscriber',
          action: 'message.handle',
          outcome: 'failure',
          details: { id: message.id, from: message.from, error: error instanceof Error ? error.message : String(error) },
        });
        deps.handlerFailures.emit({ error, message });
        deps.settled(message, 'handler-error');
      }
    },
  };
}
