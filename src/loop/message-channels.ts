import { BaseChannel } from '@langchain/langgraph';
import type { DeliveredMessage } from '../contracts/network.js';

/**
 * What happened to a message, as written to the graph's message channels. Each op is idempotent
 * (keyed by message id), so the same op written twice — by a live run and again by a resumed one
 * replaying a stored task outcome — changes nothing the second time.
 */
export type MessageOp =
  /** A direct message entered its recipient's mailbox. */
  | { op: 'queued'; message: DeliveredMessage }
  /** A direct message left its recipient's mailbox: handed to a handler, pulled, or refused at hand-over. */
  | { op: 'settled'; id: string; to: string }
  /** A message was published on a topic. */
  | { op: 'published'; message: DeliveredMessage };

/** What a node writes to a message channel: ops in the order they happened. */
export type MessageChannelUpdate = MessageOp | readonly MessageOp[];

/** @default 1000 — settled message ids a mailbox channel remembers, so a late `queued` op cannot revive one. */
export const DEFAULT_SETTLED_MEMORY = 1_000;
/** @default 100 — messages kept per topic in the topics channel (oldest dropped first). */
export const DEFAULT_TOPIC_HISTORY = 100;

const opsOf = (values: readonly MessageChannelUpdate[]): MessageOp[] =>
  values.flatMap((value) => (Array.isArray(value) ? (value as MessageOp[]) : [value as MessageOp]));

interface MailboxCheckpoint {
  mailboxes: Record<string, DeliveredMessage[]>;
  settled: string[];
}

/**
 * The undelivered direct messages of every agent, oldest first: `{ [agentId]: DeliveredMessage[] }`.
 *
 * A custom channel because neither built-in fits: its writes are operations (queue, settle) rather than
 * values, and its checkpoint holds more than its value — the ids of recently settled messages — so that
 * replaying a crashed superstep's stored writes never puts a handled message back in a mailbox. Values
 * are replaced, never mutated, so a checkpoint taken earlier never changes under LangGraph's feet.
 */
export class MailboxChannel extends BaseChannel<Record<string, DeliveredMessage[]>, MessageChannelUpdate, MailboxCheckpoint> {
  lc_graph_name = 'MailboxChannel';
  private mailboxes: Record<string, DeliveredMessage[]> = {};
  private settled: string[] = [];
  private settledSet = new Set<string>();

  constructor(readonly settledMemory: number = DEFAULT_SETTLED_MEMORY) {
    super();
  }

  fromCheckpoint(checkpoint?: MailboxCheckpoint): this {
    const channel = new MailboxChannel(this.settledMemory) as this;
    if (checkpoint) {
      channel.mailboxes = checkpoint.mailboxes;
      channel.settled = checkpoint.settled;
      channel.settledSet = new Set(checkpoint.settled);
    }
    return channel;
  }

  update(values: MessageChannelUpdate[]): boolean {
    const ops = opsOf(values);
    if (ops.length === 0) return false;
    const next = { ...this.mailboxes };
    const settled = [...this.settled];
    let changed = false;
    for (const op of ops) {
      if (op.op === 'queued') {
        const { message } = op;
        const to = message.to;
        if (to === undefined || this.settledSet.has(message.id)) continue;
        const box = next[to] ?? [];
        if (box.some((m) => m.id === message.id)) continue;
        next[to] = [...box, message];
        changed = true;
      } else if (op.op === 'settled') {
        if (this.settledSet.has(op.id)) continue;
        this.settledSet.add(op.id);
        settled.push(op.id);
        changed = true;
        const box = next[op.to];
        if (!box) continue;
        const rest = box.filter((m) => m.id !== op.id);
        if (rest.length === 0) delete next[op.to];
        else next[op.to] = rest;
      }
    }
    if (!changed) return false;
    const overflow = settled.length - this.settledMemory;
    if (overflow > 0) for (const id of settled.splice(0, overflow)) this.settledSet.delete(id);
    this.mailboxes = next;
    this.settled = settled;
    return true;
  }

  get(): Record<string, DeliveredMessage[]> {
    return this.mailboxes;
  }

  checkpoint(): MailboxCheckpoint {
    return { mailboxes: this.mailboxes, settled: this.settled };
  }

  override isAvailable(): boolean {
    return true;
  }

  override equals(other: BaseChannel): boolean {
    return other instanceof MailboxChannel && other.settledMemory === this.settledMemory;
  }
}

/**
 * The most recent messages of every topic, oldest first: `{ [topic]: DeliveredMessage[] }`, at most
 * `history` per topic. Topics are a log, not a queue: subscribers get messages live, and the channel
 * keeps what was said for checkpoints and `getStateHistory`.
 */
export class TopicLogChannel extends BaseChannel<Record<string, DeliveredMessage[]>, MessageChannelUpdate, Record<string, DeliveredMessage[]>> {
  lc_graph_name = 'TopicLogChannel';
  private topics: Record<string, DeliveredMessage[]> = {};

  constructor(readonly history: number = DEFAULT_TOPIC_HISTORY) {
    super();
  }

  fromCheckpoint(checkpoint?: Record<string, DeliveredMessage[]>): this {
    const channel = new TopicLogChannel(this.history) as this;
    if (checkpoint) channel.topics = checkpoint;
    return channel;
  }

  update(values: MessageChannelUpdate[]): boolean {
    const next = { ...this.topics };
    let changed = false;
    for (const op of opsOf(values)) {
      if (op.op !== 'published' || op.message.topic === undefined) continue;
      const log = next[op.message.topic] ?? [];
      if (log.some((m) => m.id === op.message.id)) continue;
      next[op.message.topic] = [...log, op.message].slice(-this.history);
      changed = true;
    }
    if (changed) this.topics = next;
    return changed;
  }

  get(): Record<string, DeliveredMessage[]> {
    return this.topics;
  }

  checkpoint(): Record<string, DeliveredMessage[]> {
    return this.topics;
  }

  override isAvailable(): boolean {
    return true;
  }

  override equals(other: BaseChannel): boolean {
    return other instanceof TopicLogChannel && other.history === this.history;
  }
}
