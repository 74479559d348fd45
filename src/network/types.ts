import type { AgentMessage, BroadcastMessage, DeliveredMessage } from '../contracts/network.js';
import type { EventEnvelope } from '../contracts/events.js';
import type { AuditTrail } from '../telemetry/audit.js';
import type { SettleOutcome } from './delivery.js';
import type { OnFull } from './inbox.js';
import type { AgentIdentity } from './keyring.js';
import type { AgentRegistry } from './registry.js';
import type { NetworkSnapshot } from './store.js';

export interface SendOptions {
  /** A full mailbox makes the send wait for room, or fail at once with MAILBOX_FULL. @default 'wait' */
  onFull?: OnFull;
  /** How long to wait for room (TIMEOUT after). @default the network's sendTimeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SubscribeOptions {
  /** The subscribing agent: policy applies, and partitions and its liveness hold delivery back. */
  as?: string;
  /** This subscriber's queue size. @default the network's mailboxCapacity */
  capacity?: number;
}

/**
 * Receives a verified message and its CloudEvents envelope. The message leaves the queue when the
 * returned promise settles (the ack); the next one waits for it.
 */
export type MessageHandler = (message: DeliveredMessage, envelope: EventEnvelope) => unknown;

/**
 * What the network did with a message, for observers that keep their own record (the master loop
 * writes it to graph channels): `queued` in a mailbox, `published` on a topic, `settled` when a direct
 * message left its mailbox (handled, pulled, or refused at hand-over).
 */
export type NetworkActivity =
  | { type: 'queued'; message: DeliveredMessage }
  | { type: 'published'; message: DeliveredMessage }
  | { type: 'settled'; message: DeliveredMessage; outcome: SettleOutcome };

export interface NetworkStatus {
  partitioned: boolean;
  partitions: string[][];
  recoveryStrategy: 'queue-and-redeliver';
  /** Messages held in mailboxes and subscriber queues. */
  queued: number;
  queuedByAgent: Record<string, number>;
  /** Sends waiting for room in a full mailbox. */
  waitingSenders: number;
  unreachable: string[];
  accepted: number;
  delivered: number;
  refused: number;
  refusedByReason: Record<string, number>;
  handlerErrors: number;
  /** Messages a subscriber had not handled when it unsubscribed. */
  discarded: number;
  agents: number;
  subscribers: number;
}

export interface AgentNetwork {
  readonly registry: AgentRegistry;
  readonly audit: AuditTrail;
  /** The agent's identity (public key), creating its Ed25519 key pair on first use. */
  identity(agentId: string): AgentIdentity;
  /** Refuses every message from the agent from now on, queued ones included. */
  revoke(agentId: string): void;
  /** Signs a message without sending it (for transports and tests). */
  sign(from: string, target: { to: string } | { topic: string }, message: AgentMessage): DeliveredMessage;
  /** Signs, verifies and puts a direct message in the recipient's mailbox; resolves once it is there. */
  sendMessage(from: string, to: string, message: AgentMessage, options?: SendOptions): Promise<DeliveredMessage>;
  /** Signs, verifies and puts a message in every subscriber queue of its topic. */
  broadcast(from: string, message: BroadcastMessage, options?: SendOptions): Promise<DeliveredMessage>;
  /** Admits a message signed elsewhere (object, or canonical wire text / bytes) like any other. */
  deliver(message: DeliveredMessage | string | Uint8Array, options?: SendOptions): Promise<void>;
  subscribe(topic: string, handler: MessageHandler, options?: SubscribeOptions): () => void;
  /** Hands the agent's mailbox to `handler`, one message at a time; several handlers all get each one. */
  subscribeToAgent(agentId: string, handler: MessageHandler): () => void;
  /** Pulls up to `max` deliverable messages out of the agent's mailbox. */
  receive(agentId: string, options?: { max?: number }): Promise<DeliveredMessage[]>;
  /** Blocks delivery between the two groups, both ways, until healPartition(). */
  simulatePartition(groupA: readonly string[], groupB: readonly string[]): void;
  healPartition(): void;
  getNetworkStatus(): Promise<NetworkStatus>;
  snapshot(): NetworkSnapshot;
  /** Loads a snapshot into a network whose mailboxes are empty; bad signatures are refused. */
  restore(snapshot: unknown): void;
  /**
   * Puts messages signed earlier (kept in a checkpoint, say) back in their recipients' mailboxes.
   * Skips messages the network holds or settled recently; refuses and audits any that does not verify.
   * Returns how many were queued. Unlike `restore`, mailboxes need not be empty.
   */
  requeue(messages: readonly DeliveredMessage[]): number;
  /**
   * Called with every queue, publish and settle; returns an unsubscribe function. A listener that
   * throws fails neither the send nor the delivery: its error is rethrown on a microtask.
   */
  onActivity(listener: (activity: NetworkActivity) => void): () => void;
  /** Called when a handler throws or rejects (a listener that throws: as for onActivity). */
  onError(listener: (error: unknown, message: DeliveredMessage) => void): () => void;
  /** Stops delivery; waiting senders fail with ABORTED. */
  close(): void;
}
