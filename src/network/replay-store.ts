import { createHash } from 'node:crypto';
import type { BaseStore } from '@langchain/langgraph';
import type { DeliveredMessage } from '../contracts/network.js';
import { NoError, toError } from '../contracts/errors.js';
import { refuse, type MessageGuard } from './message-guard.js';
import type { MessageKind } from './metrics.js';

/** Where a network with a `replayStore` keeps the nonces it admitted (one item per nonce). */
export const REPLAY_STORE_NAMESPACE = ['langgraph-no', 'network', 'nonces'] as const;

/** Expired nonces removed per store round trip when a network prunes (once per replay window). */
const PRUNE_BATCH = 500;

/**
 * The persisted half of the replay guard. The in-memory guard still answers first (it alone sees
 * two copies of a message arriving at once); this one remembers across restarts and processes.
 */
export interface StoredReplayGuard {
  /**
   * Refuses the message as `replayed` when the store holds its nonce, else records the nonce and
   * calls `offer` — in admission order, whatever the store's latency, so mailboxes stay FIFO.
   * A store that fails fails the admission (INTERNAL_ERROR) and leaves no trace of the nonce.
   */
  admit(message: DeliveredMessage, kind: MessageKind, signedHere: boolean, offer: () => Promise<void>): Promise<void>;
}

type Claim = { ok: true; replayed: boolean } | { ok: false; error: unknown };

export function createStoredReplayGuard(store: BaseStore, guard: MessageGuard, options: { windowMs: number; now: () => number }): StoredReplayGuard {
  const { windowMs, now } = options;
  const namespace = [...REPLAY_STORE_NAMESPACE];
  // Nonces come from senders and may be long; a digest keeps store keys short and uniform.
  const keyOf = (nonce: string): string => createHash('sha256').update(nonce).digest('base64url');
  let prunedAt = Number.NEGATIVE_INFINITY;
  let tail: Promise<void> = Promise.resolve();

  /** Deletes expired nonces, at most once per window, so the store holds about two windows of traffic. */
  async function prune(at: number): Promise<void> {
    if (at - prunedAt < windowMs) return;
    prunedAt = at;
    for (;;) {
      const expired = await store.search(namespace, { filter: { expiresAt: { $lt: at } }, limit: PRUNE_BATCH });
      if (expired.length > 0) await store.batch(expired.map((item) => ({ namespace: item.namespace, key: item.key, value: null })));
      if (expired.length < PRUNE_BATCH) return;
    }
  }

  async function claim(message: DeliveredMessage, signedHere: boolean): Promise<boolean> {
    const key = keyOf(message.nonce);
    await prune(now());
    // A nonce this network just made cannot be in the store: skip the read.
    if (!signedHere) {
      const held = await store.get(namespace, key);
      if (held !== null && Number(held.value['expiresAt']) >= now()) return true;
    }
    await store.put(namespace, key, { expiresAt: message.sentAt + windowMs, id: message.id, from: message.from }, false);
    return false;
  }

  return {
    async admit(message, kind, signedHere, offer) {
      // Started at once (claims overlap), settled into a value so a rejection never goes unhandled.
      const claimed: Promise<Claim> = claim(message, signedHere).then((replayed) => ({ ok: true, replayed }), (error: unknown) => ({ ok: false, error }));
      const previous = tail;
      let release!: () => void;
      tail = new Promise<void>((resolve) => (release = resolve));
      try {
        await previous;
        const result = await claimed;
        const facts = { id: message.id, from: message.from, to: message.to, topic: message.topic };
        if (!result.ok) {
          guard.replay.forget(message.nonce);
          const why = toError(result.error).message;
          guard.audit.append({ actor: message.from, action: 'message.receive', outcome: 'failure', details: { ...facts, reason: 'replay-store', error: why } });
          throw new NoError('INTERNAL_ERROR', `the replay store failed, so message ${message.id} was not admitted: ${why}`, { cause: result.error, details: facts });
        }
        if (result.replayed) throw refuse(guard, 'replayed', kind, message.from, `message ${message.id} is replayed`, { ...facts, sentAt: message.sentAt });
        // offer() takes the message's place in line synchronously; the next admission may go on.
        return offer();
      } finally {
        release();
      }
    },
  };
}
