/** @default 300_000 — a message whose sentAt is further than this from now is refused. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

/** `before-start`: signed before the guard's horizon, when nothing it remembers can vouch for it. */
export type ReplayVerdict = 'fresh' | 'replayed' | 'expired' | 'before-start';

/**
 * Remembers nonces for as long as their message could still pass the time window, and no longer:
 * memory is bounded by (message rate x 2 windows), never by the network's lifetime.
 */
export interface ReplayGuard {
  /**
   * Checks and, when fresh, remembers the nonce. `signedHere`: the caller just signed the message
   * with a new nonce, so its age needs no vouching (the clock may even have stepped back).
   */
  check(nonce: string, sentAt: number, signedHere?: boolean): ReplayVerdict;
  /** Forgets a nonce remembered by a check whose admission then failed, so the message may come again. */
  forget(nonce: string): void;
  size(): number;
  /** Remembered nonces with their expiry, as plain data. */
  snapshot(): Array<[string, number]>;
  restore(entries: ReadonlyArray<readonly [string, number]>): void;
}

export interface ReplayGuardOptions {
  windowMs: number;
  now: () => number;
  /**
   * Where this guard's memory starts: a message signed earlier may have been admitted by a process
   * whose memory is gone, so it is `before-start` unless its nonce is remembered (restored).
   * @default -Infinity (the memory is complete: it is persisted elsewhere)
   */
  since?: number;
}

export function createReplayGuard(options: ReplayGuardOptions): ReplayGuard {
  const { windowMs, now } = options;
  const since = options.since ?? Number.NEGATIVE_INFINITY;
  // Insertion order ~ expiry order; an out-of-order entry just lives a little longer (at most 2 windows).
  const seen = new Map<string, number>();

  const prune = (at: number): void => {
    for (const [nonce, expiresAt] of seen) {
      if (expiresAt >= at) break;
      seen.delete(nonce);
    }
  };

  return {
    check(nonce, sentAt, signedHere) {
      const at = now();
      prune(at);
      if (Math.abs(at - sentAt) > windowMs) return 'expired';
      if (seen.has(nonce)) return 'replayed';
      if (!signedHere && sentAt < since) return 'before-start';
      seen.set(nonce, sentAt + windowMs);
      return 'fresh';
    },
    forget: (nonce) => void seen.delete(nonce),
    size: () => seen.size,
    snapshot: () => [...seen.entries()],
    restore(entries) {
      seen.clear();
      for (const [nonce, expiresAt] of entries) seen.set(nonce, expiresAt);
      prune(now());
    },
  };
}
