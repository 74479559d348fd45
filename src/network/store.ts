import { z } from 'zod';
import { AgentIdSchema, DeliveredMessageSchema, type DeliveredMessage } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';
import { parseWith } from '../contracts/validate.js';
import { limitedSigningText, refuse, verifiedMessage, type MessageGuard } from './message-guard.js';
import type { Inbox } from './inbox.js';
import type { Keyring } from './keyring.js';
import type { ReplayGuard } from './replay-guard.js';

export const NETWORK_SNAPSHOT_VERSION = 1;

/**
 * The message store as plain JSON, so a graph channel or checkpointer can hold it: undelivered
 * messages per mailbox (oldest first, the one being handled included), recently delivered ones, the
 * nonces still inside the replay window, and revoked agents. Private keys are never part of it.
 */
export const NetworkSnapshotSchema = z.object({
  version: z.literal(NETWORK_SNAPSHOT_VERSION),
  mailboxes: z.record(AgentIdSchema, z.array(DeliveredMessageSchema)),
  delivered: z.array(DeliveredMessageSchema),
  nonces: z.array(z.tuple([z.string(), z.number()])),
  revoked: z.array(AgentIdSchema),
});
export type NetworkSnapshot = z.infer<typeof NetworkSnapshotSchema>;

/** A bounded log of delivered messages, newest last. */
export interface DeliveredLog {
  add(message: DeliveredMessage): void;
  records(): DeliveredMessage[];
  replace(messages: readonly DeliveredMessage[]): void;
}

export function createDeliveredLog(limit: number): DeliveredLog {
  let log: DeliveredMessage[] = [];
  const trim = (): void => {
    // Trim in batches, so keeping the log costs O(1) amortised per message.
    if (log.length >= 2 * limit) log = log.slice(log.length - limit);
  };
  return {
    add(message) {
      if (limit <= 0) return;
      log.push(message);
      trim();
    },
    records: () => log.slice(Math.max(0, log.length - limit)),
    replace(messages) {
      log = messages.slice(Math.max(0, messages.length - limit));
    },
  };
}

interface SnapshotSources {
  mailboxes: ReadonlyMap<string, Inbox>;
  log: DeliveredLog;
  replay: ReplayGuard;
  keyring: Keyring;
}

export function snapshotOf(sources: SnapshotSources): NetworkSnapshot {
  const mailboxes: Record<string, DeliveredMessage[]> = {};
  for (const [id, inbox] of sources.mailboxes) if (inbox.size > 0) mailboxes[id] = inbox.records();
  // Round-trip through JSON so the snapshot shares nothing with the live store.
  return JSON.parse(
    JSON.stringify({
      version: NETWORK_SNAPSHOT_VERSION,
      mailboxes,
      delivered: sources.log.records(),
      nonces: sources.replay.snapshot(),
      revoked: sources.keyring.revoked(),
    }),
  ) as NetworkSnapshot;
}

interface RestoreTargets {
  mailboxes: ReadonlyMap<string, Inbox>;
  mailbox(agentId: string): Inbox;
  log: DeliveredLog;
  guard: MessageGuard;
}

/**
 * Loads a snapshot: revocations first, then every queued message whose signature still verifies
 * (one that does not is refused and audited, never loaded). Needs empty mailboxes.
 */
export function restoreInto(input: unknown, targets: RestoreTargets): void {
  const snapshot = parseWith(NetworkSnapshotSchema, input, { code: 'INVALID_INPUT', what: 'network snapshot' });
  const busy = [...targets.mailboxes].filter(([, inbox]) => inbox.size > 0).map(([id]) => id);
  if (busy.length > 0) {
    throw new NoError('INVALID_INPUT', `restore needs empty mailboxes; these hold messages: ${busy.join(', ')}`, { details: { busy } });
  }
  const { guard } = targets;
  for (const id of snapshot.revoked) guard.keyring.revoke(id);
  guard.replay.restore(snapshot.nonces);
  targets.log.replace(snapshot.delivered as DeliveredMessage[]);
  for (const [agentId, messages] of Object.entries(snapshot.mailboxes)) {
    const good = verifiedFor(guard, agentId, messages as DeliveredMessage[]);
    if (good.length > 0) targets.mailbox(agentId).load(good);
  }
}

/**
 * The messages addressed to `agentId` whose signatures verify, each rebuilt from what was signed;
 * each other one, and each past the network's limits (set lower since it was stored, say), is
 * refused and audited.
 */
export function verifiedFor(guard: MessageGuard, agentId: string, messages: readonly DeliveredMessage[]): DeliveredMessage[] {
  return messages.flatMap((message) => {
    let text: string;
    try {
      text = limitedSigningText(guard, message, 'direct', 'message.restore');
    } catch {
      return []; // refused and audited already
    }
    const verified = message.to === agentId ? verifiedMessage(guard.keyring, message, text) : undefined;
    if (verified !== undefined) return [verified];
    refuse(guard, 'bad-signature', 'direct', message.from, `restored message ${message.id} does not verify`, { id: message.id, to: agentId }, 'message.restore');
    return [];
  });
}

/** @default 10_000 — ids of settled messages a network remembers, so requeue never brings one back. */
export const SETTLED_ID_MEMORY = 10_000;

/** A bounded set of ids, oldest forgotten first. */
export function createIdMemory(limit: number): { add(id: string): void; has(id: string): boolean } {
  const ids = new Set<string>();
  return {
    add(id) {
      ids.delete(id);
      ids.add(id);
      if (ids.size > limit) ids.delete(ids.values().next().value as string);
    },
    has: (id) => ids.has(id),
  };
}
