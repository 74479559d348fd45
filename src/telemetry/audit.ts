import { createHash } from 'node:crypto';
import { createListeners } from '../contracts/listeners.js';
import { redact, DEFAULT_SECRET_KEY_PATTERN } from './redact.js';

export interface AuditInput {
  /** Who acted: a caller id, agent id or `system`. */
  actor: string;
  /** What was attempted, e.g. `tool.invoke`, `recovery.redistribute`. */
  action: string;
  outcome: 'allowed' | 'denied' | 'success' | 'failure';
  /** Facts about the action; secrets are redacted before hashing. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<AuditInput> {
  seq: number;
  timestamp: string;
  /** Hash of the previous entry (the genesis value for the first one). */
  prevHash: string;
  /** sha256 over prevHash and this entry's content: altering any entry breaks every later link. */
  hash: string;
}

export type AuditVerification = { ok: true; entries: number } | { ok: false; brokenAt: number; reason: string };

export interface AuditTrailOptions {
  /** @default DEFAULT_SECRET_KEY_PATTERN */
  secretKeys?: RegExp;
  /** Oldest entries are dropped past this; the chain stays verifiable from the first kept entry. @default 10_000 */
  maxEntries?: number;
  now?: () => Date;
}

export const DEFAULT_AUDIT_MAX_ENTRIES = 10_000;
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export interface AuditTrail {
  append(input: AuditInput): AuditEntry;
  entries(): readonly AuditEntry[];
  verify(): AuditVerification;
  /** Hash of the newest entry: keep it elsewhere to detect truncation later. */
  head(): string;
  /**
   * Called with each appended entry, after it is in the chain; returns an unsubscribe function. A
   * listener that throws never fails the append: its error is rethrown on a microtask.
   */
  onAppend(listener: (entry: AuditEntry) => void): () => void;
}

function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, timestamp, actor, action, outcome, details, prevHash } = entry;
  return createHash('sha256')
    .update(JSON.stringify([seq, timestamp, actor, action, outcome, details, prevHash]))
    .digest('hex');
}

/**
 * Verifies a hash-chained list of entries, e.g. one exported from a trail and stored elsewhere.
 * The first entry's prevHash is trusted as the anchor (a trail that dropped old entries keeps it).
 * A chain alone cannot show that entries were cut off its end: pass the `head` hash you trust
 * (from {@link AuditTrail.head}, kept elsewhere) to detect that too.
 */
export function verifyAuditEntries(entries: readonly AuditEntry[], options: { head?: string } = {}): AuditVerification {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (i > 0 && entry.prevHash !== entries[i - 1]!.hash) {
      return { ok: false, brokenAt: entry.seq, reason: 'prevHash does not match the previous entry' };
    }
    const { hash, ...body } = entry;
    if (hashEntry(body) !== hash) return { ok: false, brokenAt: entry.seq, reason: 'content does not match its hash' };
  }
  const last = entries[entries.length - 1];
  if (options.head !== undefined && last?.hash !== options.head) {
    return { ok: false, brokenAt: (last?.seq ?? 0) + 1, reason: 'the chain does not end at the trusted head' };
  }
  return { ok: true, entries: entries.length };
}

/**
 * A tamper-evident, hash-chained audit log with secrets redacted.
 *
 * @example
 * const audit = createAuditTrail();
 * audit.append({ actor: 'agent-1', action: 'tool.invoke', outcome: 'denied', details: { tool: 'exec' } });
 * audit.verify(); // { ok: true, entries: 1 }
 */
export function createAuditTrail(options: AuditTrailOptions = {}): AuditTrail {
  const secretKeys = options.secretKeys ?? DEFAULT_SECRET_KEY_PATTERN;
  const maxEntries = options.maxEntries ?? DEFAULT_AUDIT_MAX_ENTRIES;
  const now = options.now ?? (() => new Date());
  const log: AuditEntry[] = [];
  const appended = createListeners<AuditEntry>();
  let seq = 0;
  let lastHash = AUDIT_GENESIS_HASH;

  return {
    append(input) {
      const body = {
        seq: ++seq,
        timestamp: now().toISOString(),
        actor: input.actor,
        action: input.action,
        outcome: input.outcome,
        details: redact(input.details ?? {}, secretKeys) as Record<string, unknown>,
        prevHash: lastHash,
      };
      const entry: AuditEntry = Object.freeze({ ...body, hash: hashEntry(body) });
      lastHash = entry.hash;
      log.push(entry);
      if (log.length > maxEntries) log.splice(0, log.length - maxEntries);
      appended.emit(entry);
      return entry;
    },
    entries: () => log.slice(),
    verify: () => verifyAuditEntries(log),
    head: () => lastHash,
    onAppend: appended.on,
  };
}
