import { requireNumber } from '../../resilience/policy.js';

/** One session's place in the pool. `value` is what the HTTP layer keeps for it (transport, server). */
export interface SessionSlot<T> {
  /** Who opened it: a verified client id or the remote address (see `McpHttpOptions.trustProxy`). */
  readonly client: string;
  readonly value: T;
  /** The `Mcp-Session-Id`, once the initialize request has produced one. */
  id: string | undefined;
  /** Requests and SSE streams of this session still open; a slot with any open is in use. */
  open: number;
  /** Epoch ms of the last request start or stream end: the idle clock runs from here. */
  lastActive: number;
}

/** Why a slot left the pool without its client asking. */
export type SessionEndReason = 'expired' | 'evicted';

export interface SessionPoolOptions<T> {
  maxSessions: number;
  maxSessionsPerClient: number;
  /** `Infinity` turns expiry off. */
  sessionIdleTimeoutMs: number;
  now: () => number;
  /** Called once for a slot the pool dropped; closes what `value` holds. */
  onEnd: (slot: SessionSlot<T>, reason: SessionEndReason) => void;
}

/** Which cap refused an admission. */
export type SessionRefusal = 'global' | 'client';

export interface SessionPool<T> {
  /**
   * A new slot for `client`, already in use (its initialize request is open), or the cap that
   * refused it. A full cap first evicts its least recently used idle session, so sessions a client
   * leaked make way, while a busy session (a request or stream open) is never cut off.
   */
  admit(client: string, value: T): SessionSlot<T> | SessionRefusal;
  /** Registers the session id the initialize produced. */
  bind(slot: SessionSlot<T>, id: string): void;
  /** The live slot of a session id; an expired one is ended here, so a late request never revives it. */
  get(id: string): SessionSlot<T> | undefined;
  /** A request or stream of the slot opened / closed. */
  enter(slot: SessionSlot<T>): void;
  leave(slot: SessionSlot<T>): void;
  /** Forgets a slot whose session ended on its own (DELETE, transport closed, failed initialize). */
  release(slot: SessionSlot<T>): void;
  /** Ends every expired slot. */
  sweep(): void;
  /** Every slot, including those whose initialize is still running. */
  slots(): SessionSlot<T>[];
}

/**
 * The bookkeeping of MCP HTTP sessions: a global cap, a per-client cap, idle expiry and LRU eviction of
 * idle sessions, with no I/O (the HTTP layer closes what the pool drops through `onEnd`).
 *
 * Sessions are few (hundreds at most), so the scans below are linear on purpose: no second index to keep
 * consistent with the first.
 */
export function createSessionPool<T>(options: SessionPoolOptions<T>): SessionPool<T> {
  requireNumber('maxSessions', options.maxSessions, { min: 1, integer: true });
  requireNumber('maxSessionsPerClient', options.maxSessionsPerClient, { min: 1, integer: true });
  // Infinity is allowed: it turns expiry off.
  requireNumber('sessionIdleTimeoutMs', options.sessionIdleTimeoutMs, { above: 0 });
  const { now, onEnd } = options;
  const all = new Set<SessionSlot<T>>();
  const byId = new Map<string, SessionSlot<T>>();

  const drop = (slot: SessionSlot<T>): boolean => {
    if (!all.delete(slot)) return false;
    if (slot.id !== undefined) byId.delete(slot.id);
    return true;
  };
  const end = (slot: SessionSlot<T>, reason: SessionEndReason): void => {
    if (drop(slot)) onEnd(slot, reason);
  };
  const expired = (slot: SessionSlot<T>, at: number): boolean => slot.open === 0 && at - slot.lastActive >= options.sessionIdleTimeoutMs;

  const sweep = (): void => {
    const at = now();
    for (const slot of [...all]) if (expired(slot, at)) end(slot, 'expired');
  };

  /** Makes room under a cap of `limit` among `scope` by evicting its least recently used idle slot. */
  const makeRoom = (scope: SessionSlot<T>[], limit: number): boolean => {
    if (scope.length < limit) return true;
    let victim: SessionSlot<T> | undefined;
    for (const slot of scope) if (slot.open === 0 && (victim === undefined || slot.lastActive < victim.lastActive)) victim = slot;
    if (victim === undefined) return false;
    end(victim, 'evicted');
    // Slots only ever enter through admit, so one eviction per admission keeps each cap exact.
    return true;
  };

  return {
    admit(client, value) {
      // No sweep first: expired slots are idle and the least recently used, so makeRoom takes them first.
      if (!makeRoom([...all].filter((s) => s.client === client), options.maxSessionsPerClient)) return 'client';
      if (!makeRoom([...all], options.maxSessions)) return 'global';
      const slot: SessionSlot<T> = { client, value, id: undefined, open: 1, lastActive: now() };
      all.add(slot);
      return slot;
    },
    bind(slot, id) {
      if (!all.has(slot)) return;
      slot.id = id;
      byId.set(id, slot);
    },
    get(id) {
      const slot = byId.get(id);
      if (slot === undefined || !expired(slot, now())) return slot;
      end(slot, 'expired');
      return undefined;
    },
    enter(slot) {
      slot.open += 1;
      slot.lastActive = now();
    },
    leave(slot) {
      slot.open = Math.max(0, slot.open - 1);
      slot.lastActive = now();
    },
    release(slot) {
      drop(slot);
    },
    sweep,
    slots: () => [...all],
  };
}
