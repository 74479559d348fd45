/** @default 300_000 — a message whose sentAt is further than this from now is refused. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

export type ReplayVerdict = 'fresh' | 'replayed' | 'expired';

/**
 * Remembers nonces for as long as their message could still pass the time window, and no longer:
 * memory is bounded by (message rate x 2 windows), never by the network's lifetime.
 */
export interface ReplayGuard {
  /** Checks and, when fresh, remembers the nonce. */
  check(nonce: string, sentAt: number): ReplayVerdict;
  size(): number;
  /** Remembered nonces with their expiry, as plain data. */
  snapshot(): Array<[string, number]>;
  restore(entries: ReadonlyArray<readonly [string, number]>): void;
}

export function createReplayGuard(options: { windowMs: number; now: () => number }): ReplayGuard {
  const { windowMs, now } = options;
  // Insertion order ~ expiry order; an out-of-order entry just lives a little longer (at most 2 windows).
  const seen = new Map<string, number>();

  const prune = (at: number): void => {
    for (const [nonce, expiresAt] of seen) {
      if (expiresAt >= at) break;
      seen.delete(nonce);
    }
  };

  return {
    check(nonce, sentAt) {
      const at = now();
      prune(at);
      if (Math.abs(at - sentAt) > windowMs) return 'expired';
      if (seen.has(nonce)) return 'replayed';
      seen.set(nonce, sentAt + windowMs);
      return 'fresh';
    },
    size: () => seen.size,
    snapshot: () => [...seen.entries()],
    restore(entries) {
      seen.clear();
      for (const [nonce, expiresAt] of entries) seen.set(nonce, expiresAt);
      prune(now());
    },
  };
}
