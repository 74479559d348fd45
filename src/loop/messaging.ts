import type { AgentMessage, BroadcastMessage, DeliveredMessage } from '../contracts/network.js';
import type { AgentNetwork, AgentQuery, AgentRecord, SendOptions } from '../network/index.js';
import type { AgentPool } from './agent-pool.js';
import type { MessageOp } from './message-channels.js';

/** How often a running loop tells the registry its agents are alive. @default 1000 */
export const LOOP_HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * An agent's handle on the loop's network, scoped to the agent: it sends as itself and reads its own
 * mailbox. What it sends and pulls is written to the graph's `mailboxes` and `topics` channels and
 * kept with the task's stored outcome, so a resumed run still has the messages.
 */
export interface AgentMessenger {
  readonly agentId: string;
  /** A direct message; live subscribers of the recipient get it at once. */
  send(to: string, message: AgentMessage, options?: SendOptions): Promise<DeliveredMessage>;
  /** A message on a topic. */
  broadcast(message: BroadcastMessage, options?: SendOptions): Promise<DeliveredMessage>;
  /** Pulls up to `max` messages out of this agent's mailbox. */
  receive(options?: { max?: number }): Promise<DeliveredMessage[]>;
  /** Discovery: agents with a capability, healthiest and least loaded first. */
  findAgents(query?: AgentQuery): Promise<AgentRecord[]>;
}

export interface MessengerScope {
  agentId: string;
  /** Correlation id stamped on messages that carry none (the run id). */
  correlationId: string;
  /** Causation id stamped on messages that carry none (the task's idempotency key). */
  causationId: string;
  /** Receives each op as it happens. */
  record(op: MessageOp): void;
}

export function createMessenger(network: AgentNetwork, scope: MessengerScope): AgentMessenger {
  const stamp = <M extends AgentMessage>(message: M): M => ({
    ...message,
    correlationId: message.correlationId ?? scope.correlationId,
    causationId: message.causationId ?? scope.causationId,
  });
  return {
    agentId: scope.agentId,
    async send(to, message, options) {
      const sent = await network.sendMessage(scope.agentId, to, stamp(message), options);
      scope.record({ op: 'queued', message: sent });
      return sent;
    },
    async broadcast(message, options) {
      const sent = await network.broadcast(scope.agentId, stamp(message), options);
      scope.record({ op: 'published', message: sent });
      return sent;
    },
    async receive(options) {
      const messages = await network.receive(scope.agentId, options);
      for (const message of messages) scope.record({ op: 'settled', id: message.id, to: scope.agentId });
      return messages;
    },
    findAgents: (query) => network.registry.findAgents(query),
  };
}

/** The direct messages in `ops` that were queued and not settled by later ops. */
export function undelivered(ops: readonly MessageOp[]): DeliveredMessage[] {
  const settled = new Set(ops.flatMap((op) => (op.op === 'settled' ? [op.id] : [])));
  return ops.flatMap((op) => (op.op === 'queued' && !settled.has(op.message.id) ? [op.message] : []));
}

/**
 * One coordinator pass's link to the network: puts the thread's undelivered messages back (a new
 * process after a crash has empty mailboxes), keeps the pool's agents alive in the registry, and
 * collects the ops to write to the graph's message channels when the pass ends.
 */
export interface NetworkSession {
  /** Ops so far, in the order they happened. */
  readonly ops: MessageOp[];
  /** Records an op of this run (an agent's send or pull). */
  record(op: MessageOp): void;
  /** A stored task outcome came back on resume: its messages are requeued and its ops kept again. */
  replay(ops: readonly MessageOp[]): void;
  close(): void;
}

export function openNetworkSession(network: AgentNetwork, pool: AgentPool, held: Record<string, DeliveredMessage[]>): NetworkSession {
  const ops: MessageOp[] = [];
  const agentIds = new Set(pool.ids());
  // Messages this thread's channels know; their settlement, however it happens, is recorded.
  const known = new Set<string>();
  const remember = (op: MessageOp): void => {
    if (op.op !== 'settled') known.add(op.message.id);
    ops.push(op);
  };
  const stored = Object.values(held).flat();
  for (const message of stored) known.add(message.id);
  const offActivity = network.onActivity((activity) => {
    if (activity.type !== 'settled') return;
    const { message } = activity;
    // A send's settlement can outrun the sender's own record of it: also take those of our agents.
    if (known.has(message.id) || agentIds.has(message.from)) ops.push({ op: 'settled', id: message.id, to: message.to as string });
  });
  network.requeue(stored);

  const beat = (): void => {
    for (const id of agentIds) {
      const health = pool.health(id);
      if (health === 'unhealthy') continue;
      if (network.registry.get(id) === undefined) {
        network.registry.register({ id, capabilities: pool.definition(id).capabilities, metadata: pool.definition(id).metadata ?? {}, load: pool.load(id) });
      } else {
        network.registry.heartbeat(id, { load: pool.load(id), status: health === 'degraded' ? 'degraded' : 'online' });
      }
    }
  };
  beat();
  const timer = setInterval(beat, LOOP_HEARTBEAT_INTERVAL_MS);
  timer.unref();

  return {
    ops,
    record: remember,
    replay(replayed) {
      for (const op of replayed) remember(op);
      network.requeue(undelivered(replayed));
    },
    close() {
      clearInterval(timer);
      offActivity();
    },
  };
}
