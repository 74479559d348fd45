import { randomBytes, randomUUID } from 'node:crypto';
import type { BaseStore } from '@langchain/langgraph';
import { AgentIdSchema, AgentMessageSchema, BroadcastMessageSchema, DeliveredMessageSchema, TopicSchema, type AgentMessage, type BroadcastMessage, type DeliveredMessage } from '../contracts/network.js';
import { NoError, isNoError, toError } from '../contracts/errors.js';
import { createListeners } from '../contracts/listeners.js';
import { parseWith } from '../contracts/validate.js';
import { activeTraceparent } from '../telemetry/events.js';
import { createAuditTrail, type AuditTrail } from '../telemetry/audit.js';
import { requireNumber } from '../resilience/policy.js';
import { decodeSignedMessage, signingText, type UnsignedMessage } from './canonical.js';
import { createDeliveryHost, delivered, type DeliveryCounters, type DeliveryDeps, type HandlerFailure } from './delivery.js';
import { admit, refuse, type MessageGuard, type RefusalReason } from './message-guard.js';
import { offerToAll } from './fanout.js';
import { Inbox, type InboxHandler, type OfferOptions, type OnFull } from './inbox.js';
import { createKeyring, type Keyring } from './keyring.js';
import { coerceMessageLimits } from './limits.js';
import { recordMessage, trackPartitions, trackQueued } from './metrics.js';
import { createPartitionTable } from './partitions.js';
import { compileMessagePolicy, type MessagePolicy } from './policy.js';
import { createAgentRegistry, type AgentRegistry } from './registry.js';
import { DEFAULT_REPLAY_WINDOW_MS, createReplayGuard } from './replay-guard.js';
import { createStoredReplayGuard } from './replay-store.js';
import { SETTLED_ID_MEMORY, createDeliveredLog, createIdMemory, restoreInto, snapshotOf, verifiedFor, type NetworkSnapshot } from './store.js';
import type { AgentNetwork, NetworkActivity, NetworkStatus, SendOptions } from './types.js';

/** @default 1000 — messages an agent's mailbox (or one topic subscriber's queue) holds. */
export const DEFAULT_MAILBOX_CAPACITY = 1_000;
/** @default 30_000 — how long a send waits for room in a full mailbox. */
export const DEFAULT_SEND_TIMEOUT_MS = 30_000;
/** @default 1000 — delivered messages kept for snapshots. */
export const DEFAULT_HISTORY_LIMIT = 1_000;

export interface AgentNetworkOptions {
  /** @default a new createAgentRegistry() */
  registry?: AgentRegistry;
  /** @default DEFAULT_MAILBOX_CAPACITY */
  mailboxCapacity?: number;
  /** Who may message whom, publish and subscribe. @default every registered agent may */
  policy?: MessagePolicy;
  /** Share a keyring to keep identities across networks. @default a new createKeyring() */
  keyring?: Keyring;
  /** Where refusals and handler failures are recorded. @default a new createAuditTrail() */
  audit?: AuditTrail;
  /** @default DEFAULT_REPLAY_WINDOW_MS */
  replayWindowMs?: number;
  /**
   * Where admitted nonces are kept (any LangGraph BaseStore: InMemoryStore, PostgresStore ...), so
   * a message replayed into a restarted process, or into another process sharing the store, is
   * refused. Without one, replay protection lives in this network's memory only, and to stay sound
   * across a restart the network refuses (`before-start`) every received message signed before it
   * was made: a previous process may have delivered it already. Messages the network signs itself
   * and messages put back with requeue/restore are not affected. @default none
   */
  replayStore?: BaseStore;
  /** @default DEFAULT_SEND_TIMEOUT_MS */
  sendTimeoutMs?: number;
  /** @default DEFAULT_HISTORY_LIMIT */
  historyLimit?: number;
  /** Clock in ms (message timestamps, replay window, latency). @default Date.now */
  now?: () => number;
  /**
   * The largest message, in bytes of its wire text (canonical JSON, UTF-8, signature included),
   * checked before a message is signed and again when one is received: MESSAGE_TOO_LARGE past it.
   * @default DEFAULT_MAX_MESSAGE_BYTES (256 KiB)
   */
  maxMessageBytes?: number;
  /**
   * The deepest nesting of arrays and objects in a payload, checked like maxMessageBytes; at most
   * LARGEST_MAX_MESSAGE_DEPTH. @default DEFAULT_MAX_MESSAGE_DEPTH (64)
   */
  maxMessageDepth?: number;
}

/**
 * Signed, bounded, partition-tolerant agent messaging.
 *
 * @example
 * const registry = createAgentRegistry();
 * const network = createAgentNetwork({ registry, mailboxCapacity: 1000 });
 * registry.register({ id: 'agent-1' }); registry.register({ id: 'agent-2' });
 * network.subscribeToAgent('agent-2', (m) => console.log(m.payload));
 * await network.sendMessage('agent-1', 'agent-2', { type: 'hello', payload: { n: 1 } });
 */
export function createAgentNetwork(options: AgentNetworkOptions = {}): AgentNetwork {
  const registry = options.registry ?? createAgentRegistry();
  const capacity = requireNumber('mailboxCapacity', options.mailboxCapacity ?? DEFAULT_MAILBOX_CAPACITY, { min: 1, integer: true });
  const keyring = options.keyring ?? createKeyring();
  const audit = options.audit ?? createAuditTrail();
  const now = options.now ?? Date.now;
  const sendTimeoutMs = options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const limits = coerceMessageLimits(options);
  const replayWindowMs = options.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS;
  const refusals: Partial<Record<RefusalReason, number>> = {};
  const guard: MessageGuard = {
    keyring,
    audit,
    registry,
    limits,
    // Without a store, this network's memory starts now: anything signed earlier cannot be vouched for.
    replay: createReplayGuard({ windowMs: replayWindowMs, now, since: options.replayStore === undefined ? now() : undefined }),
    policy: compileMessagePolicy(options.policy ?? {}, (id) => registry.get(id) !== undefined),
    refused: (reason) => void (refusals[reason] = (refusals[reason] ?? 0) + 1),
  };
  const storedReplay = options.replayStore && createStoredReplayGuard(options.replayStore, guard, { windowMs: replayWindowMs, now });
  const counters: DeliveryCounters = { queued: 0, delivered: 0, handlerErrors: 0 };
  const partitions = createPartitionTable();
  const handlerFailures = createListeners<HandlerFailure>();
  const activities = createListeners<NetworkActivity>();
  const settledIds = createIdMemory(SETTLED_ID_MEMORY);
  const deps: DeliveryDeps = {
    guard,
    partitions,
    counters,
    handlerFailures,
    now,
    log: createDeliveredLog(options.historyLimit ?? DEFAULT_HISTORY_LIMIT),
    settled(message, outcome) {
      // Topic messages are settled per subscriber; only a direct message leaves its one mailbox.
      if (message.to === undefined) return;
      settledIds.add(message.id);
      activities.emit({ type: 'settled', message, outcome });
    },
  };
  const host = createDeliveryHost(deps);
  const mailboxes = new Map<string, Inbox>();
  const topics = new Map<string, Set<Inbox>>();
  let accepted = 0;
  let discarded = 0;

  const mailbox = (agentId: string): Inbox => {
    let inbox = mailboxes.get(agentId);
    if (!inbox) mailboxes.set(agentId, (inbox = new Inbox(agentId, capacity, host)));
    return inbox;
  };
  const inboxesOf = (agentId: string): Inbox[] => [
    ...(mailboxes.has(agentId) ? [mailboxes.get(agentId) as Inbox] : []),
    ...[...topics.values()].flatMap((set) => [...set].filter((inbox) => inbox.owner === agentId)),
  ];
  const pumpAll = (): void => {
    for (const inbox of mailboxes.values()) inbox.pump();
    for (const set of topics.values()) for (const inbox of set) inbox.pump();
  };
  const offerOptions = (o: SendOptions): OfferOptions => ({ onFull: o.onFull ?? 'wait', timeoutMs: o.timeoutMs ?? sendTimeoutMs, signal: o.signal });
  // Every registered agent has its key, whether it registered before this network existed or after:
  // a sender's key decides admission, and it must not depend on the order things were set up in.
  const provision = (agentId: string): void => void (keyring.isRevoked(agentId) || keyring.identity(agentId));
  for (const agent of registry.list()) provision(agent.id);
  const offRegistry = registry.onChange((change) => {
    if (change.type === 'registered') provision(change.agent.id);
    if (change.type !== 'deregistered') for (const inbox of inboxesOf(change.agent.id)) inbox.pump();
  });
  const untrackQueued = trackQueued(() => counters.queued);
  const untrackPartitions = trackPartitions(() => partitions.groups().length / 2);
  const untrack = (): void => {
    untrackQueued();
    untrackPartitions();
  };

  function sign(from: string, target: { to: string } | { topic: string }, message: AgentMessage): DeliveredMessage {
    const kind = 'to' in target ? 'direct' : 'broadcast';
    if (keyring.isRevoked(from)) {
      throw refuse(guard, 'revoked', kind, from, `sender ${from} is revoked`, { from }, 'message.send');
    }
    const unsigned: UnsignedMessage = {
      id: randomUUID(),
      from,
      ...target,
      type: message.type,
      payload: message.payload,
      sentAt: now(),
      nonce: randomBytes(12).toString('base64url'),
    };
    if (message.correlationId !== undefined) unsigned.correlationId = message.correlationId;
    if (message.causationId !== undefined) unsigned.causationId = message.causationId;
    const traceparent = activeTraceparent();
    if (traceparent !== undefined) unsigned.traceparent = traceparent;
    let text: string;
    try {
      // One bounded walk measures the message and gives the bytes to sign.
      text = signingText(unsigned, limits);
    } catch (error) {
      if (isNoError(error, 'MESSAGE_TOO_LARGE')) throw refuse(guard, 'too-large', kind, from, error.message, { id: unsigned.id, ...target, ...error.details }, 'message.send');
      if (isNoError(error)) throw error;
      // A getter or toJSON of the caller's payload threw: still a typed error, with the cause kept.
      throw new NoError('INVALID_INPUT', `the payload cannot be read as JSON: ${toError(error).message}`, { cause: error, details: { from, ...target } });
    }
    keyring.identity(from);
    // The receiver gets what was signed: the message as JSON.
    return { ...(JSON.parse(text) as UnsignedMessage), signature: keyring.sign(from, Buffer.from(text)) };
  }

  /** Admits the message and queues it as signed (never the object handed in); returns what was queued. */
  async function accept(input: unknown, o: SendOptions, signedHere = false): Promise<DeliveredMessage> {
    const { kind, message } = admit(guard, input, signedHere);
    const offer = (): Promise<void> =>
      kind === 'direct'
        ? mailbox(message.to as string).offer(message, offerOptions(o))
        : offerToAll([...(topics.get(message.topic as string) ?? [])], message, offerOptions(o));
    await (storedReplay ? storedReplay.admit(message, kind, signedHere, offer) : offer());
    activities.emit({ type: kind === 'direct' ? 'queued' : 'published', message });
    accepted++;
    recordMessage(kind, 'accepted');
    return message;
  }

  const network: AgentNetwork = {
    registry,
    audit,
    identity: (agentId) => keyring.identity(parseWith(AgentIdSchema, agentId, { code: 'INVALID_INPUT', what: 'agent id' })),
    revoke(agentId) {
      keyring.revoke(agentId);
      audit.append({ actor: 'system', action: 'identity.revoke', outcome: 'success', details: { agentId } });
    },
    sign: (from, target, message) => sign(from, target, parseWith(AgentMessageSchema, message, { code: 'INVALID_INPUT', what: 'message' })),
    async sendMessage(from, to, message, o = {}) {
      parseWith(AgentIdSchema, to, { code: 'INVALID_INPUT', what: 'recipient' });
      return accept(network.sign(from, { to }, message), o, true);
    },
    async broadcast(from, message, o = {}) {
      const { topic, ...rest } = parseWith(BroadcastMessageSchema, message, { code: 'INVALID_INPUT', what: 'broadcast' }) as BroadcastMessage;
      return accept(sign(from, { topic }, rest), o, true);
    },
    async deliver(wire, o = {}) {
      let message: unknown;
      try {
        message = typeof wire === 'string' || wire instanceof Uint8Array ? decodeSignedMessage(wire, limits) : wire;
      } catch (error) {
        const reason = isNoError(error, 'MESSAGE_TOO_LARGE') ? 'too-large' : 'malformed';
        throw refuse(guard, reason, 'direct', 'unknown', (error as Error).message, (error as NoError).details);
      }
      await accept(message, o);
    },
    subscribe(topic, handler, o = {}) {
      parseWith(TopicSchema, topic, { code: 'INVALID_INPUT', what: 'topic' });
      if (o.as !== undefined && (keyring.isRevoked(o.as) || !guard.policy.subscribe(o.as, topic))) {
        throw refuse(guard, keyring.isRevoked(o.as) ? 'revoked' : 'policy', 'broadcast', o.as, `${o.as} may not subscribe to ${topic}`, { topic }, 'topic.subscribe');
      }
      const inbox = new Inbox(o.as, o.capacity ?? capacity, host);
      inbox.handlers.add(handler as InboxHandler);
      if (!topics.has(topic)) topics.set(topic, new Set());
      topics.get(topic)?.add(inbox);
      return () => {
        if (!topics.get(topic)?.delete(inbox)) return;
        const dropped = inbox.close('release');
        discarded += dropped;
        if (dropped > 0) audit.append({ actor: o.as ?? 'subscriber', action: 'topic.unsubscribe', outcome: 'success', details: { topic, discarded: dropped } });
      };
    },
    subscribeToAgent(agentId, handler) {
      const inbox = mailbox(parseWith(AgentIdSchema, agentId, { code: 'INVALID_INPUT', what: 'agent id' }));
      inbox.handlers.add(handler as InboxHandler);
      inbox.pump();
      return () => void inbox.handlers.delete(handler as InboxHandler);
    },
    async receive(agentId, o = {}) {
      const taken = mailboxes.get(agentId)?.take(o.max ?? Number.POSITIVE_INFINITY) ?? [];
      for (const message of taken) delivered(deps, message);
      return taken;
    },
    simulatePartition(groupA, groupB) {
      partitions.add(groupA, groupB);
      audit.append({ actor: 'system', action: 'network.partition', outcome: 'success', details: { groupA, groupB } });
    },
    healPartition() {
      partitions.heal();
      audit.append({ actor: 'system', action: 'network.heal', outcome: 'success', details: {} });
      pumpAll();
    },
    async getNetworkStatus(): Promise<NetworkStatus> {
      const unreachable = registry.check();
      const refused = Object.values(refusals).reduce((a, b) => a + b, 0);
      const queuedByAgent = Object.fromEntries([...mailboxes].filter(([, m]) => m.size > 0).map(([id, m]) => [id, m.size]));
      const waitingSenders = [...mailboxes.values(), ...[...topics.values()].flatMap((s) => [...s])].reduce((a, i) => a + i.waiting, 0);
      return {
        partitioned: partitions.active(),
        partitions: partitions.groups(),
        recoveryStrategy: 'queue-and-redeliver',
        queued: counters.queued,
        queuedByAgent,
        waitingSenders,
        unreachable,
        accepted,
        delivered: counters.delivered,
        refused,
        refusedByReason: { ...refusals },
        handlerErrors: counters.handlerErrors,
        discarded,
        agents: registry.list().length,
        subscribers: [...topics.values()].reduce((a, s) => a + s.size, 0),
      };
    },
    snapshot: (): NetworkSnapshot => snapshotOf({ mailboxes, log: deps.log, replay: guard.replay, keyring }),
    restore: (snapshot) => restoreInto(snapshot, { mailboxes, mailbox, log: deps.log, guard }),
    requeue(input) {
      const messages = input.map((m) => parseWith(DeliveredMessageSchema, m, { code: 'INVALID_INPUT', what: 'message' }) as DeliveredMessage);
      const held = new Set([...mailboxes.values()].flatMap((inbox) => inbox.records().map((m) => m.id)));
      const byRecipient = new Map<string, DeliveredMessage[]>();
      for (const message of messages) {
        if (message.to === undefined || held.has(message.id) || settledIds.has(message.id)) continue;
        held.add(message.id);
        byRecipient.set(message.to, [...(byRecipient.get(message.to) ?? []), message]);
      }
      let queued = 0;
      for (const [agentId, list] of byRecipient) {
        const good = verifiedFor(guard, agentId, list);
        if (good.length === 0) continue;
        mailbox(agentId).load(good);
        queued += good.length;
        for (const message of good) activities.emit({ type: 'queued', message });
      }
      return queued;
    },
    onActivity: activities.on,
    onError: (listener) => handlerFailures.on(({ error, message }) => listener(error, message)),
    close() {
      offRegistry();
      untrack();
      for (const inbox of mailboxes.values()) inbox.close('reject');
      for (const set of topics.values()) for (const inbox of set) inbox.close('reject');
    },
  };
  return network;
}

export type { OnFull };
