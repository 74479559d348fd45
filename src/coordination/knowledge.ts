import type { BaseStore, Item } from '@langchain/langgraph';
import { AgentIdSchema } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';
import { parseWith } from '../contracts/validate.js';
import type { AgentNetwork, Keyring } from '../network/index.js';
import { requireNumber } from '../resilience/policy.js';
import type { AuditTrail } from '../telemetry/audit.js';
import {
  digestOf,
  KNOWLEDGE_CONFIRMATION_TYPE,
  KNOWLEDGE_ITEM_TYPE,
  KnowledgeBodySchema,
  KnowledgeConfirmationBodySchema,
  KnowledgeProvenanceSchema,
  KnowledgeScopeSchema,
  signerOf,
  StoredConfirmationSchema,
  StoredItemSchema,
  verifyRecord,
  type KnowledgeBody,
  type KnowledgeProvenance,
  type KnowledgeRefusalReason,
} from './knowledge-record.js';

/** @default ['langgraph-no', 'knowledge'] — the Store namespace under which every scope lives. */
export const DEFAULT_KNOWLEDGE_NAMESPACE: readonly string[] = Object.freeze(['langgraph-no', 'knowledge']);
/** @default 'shared' — the scope (team or topic) of an item that names none. */
export const DEFAULT_KNOWLEDGE_SCOPE = 'shared';
/** @default 2 — confirmations by agents other than the author that make an item accepted. */
export const DEFAULT_KNOWLEDGE_QUORUM = 2;
/** @default 86_400_000 (24 h) — how long an item lives when it says nothing. */
export const DEFAULT_KNOWLEDGE_TTL_MS = 24 * 60 * 60_000;
/** @default 1000 — the most items one read returns (and asks the Store for). */
export const DEFAULT_KNOWLEDGE_READ_LIMIT = 1_000;

export interface SharedKnowledgeOptions {
  /** Any LangGraph BaseStore: InMemoryStore in one process, PostgresStore to share across processes. */
  store: BaseStore;
  /** Signs and verifies with the network's agent identities. One of network and keyring is needed. */
  network?: AgentNetwork;
  /** Signs and verifies with this keyring (a `secret` keyring verifies across processes). Wins over network. */
  keyring?: Keyring;
  /** The schema of each kind's content (zod 4 or 3); items of another kind are refused. @default {} (register with registerKind) */
  kinds?: Record<string, KnowledgeSchema>;
  /** Confirmations (by agents other than the author, each counted once) that make an item accepted. @default DEFAULT_KNOWLEDGE_QUORUM */
  quorum?: number;
  /** Time to live of an item that sets none. @default DEFAULT_KNOWLEDGE_TTL_MS */
  ttlMs?: number;
  /** @default DEFAULT_KNOWLEDGE_NAMESPACE */
  namespace?: readonly string[];
  /** @default DEFAULT_KNOWLEDGE_READ_LIMIT */
  readLimit?: number;
  /** Where refused records are recorded. @default the network's audit trail, if any */
  audit?: AuditTrail;
  /** Clock in ms (creation, expiry). @default Date.now */
  now?: () => number;
}

/** What an agent shares. */
export interface KnowledgeInput {
  kind: string;
  content: unknown;
  /** The team or topic. @default DEFAULT_KNOWLEDGE_SCOPE */
  scope?: string;
  /** @default the shared knowledge's ttlMs */
  ttlMs?: number;
  provenance?: KnowledgeProvenance;
}

/** A verified item, as a reader gets it. */
export interface KnowledgeItem {
  id: string;
  kind: string;
  scope: string;
  content: unknown;
  author: string;
  provenance: KnowledgeProvenance;
  createdAt: number;
  expiresAt: number;
  /** Agents whose signed confirmation verified (never the author), sorted. */
  confirmedBy: string[];
  /** `confirmedBy.length >= quorum`. */
  accepted: boolean;
}

export interface KnowledgeQuery {
  /** @default DEFAULT_KNOWLEDGE_SCOPE */
  scope?: string;
  kind?: string;
  author?: string;
  /** Only accepted items. @default false */
  acceptedOnly?: boolean;
  /** @default the readLimit */
  limit?: number;
  signal?: AbortSignal;
}

/** A stored record a read would not vouch for, and why. */
export interface KnowledgeRefusal {
  /** The Store key of the record (an item id, or the confirming agent's id). */
  key: string;
  itemId: string;
  record: 'item' | 'confirmation';
  reason: KnowledgeRefusalReason;
  message: string;
}

export interface KnowledgeRead {
  /** Verified, unexpired items of known kinds and valid content, newest first. */
  items: KnowledgeItem[];
  /** Everything else that was stored there: forged, tampered, expired, of an unknown kind ... */
  refused: KnowledgeRefusal[];
}

export interface OperationOptions {
  signal?: AbortSignal;
}

/** The shared knowledge as one agent sees it (`ctx.knowledge` in a loop). */
export interface AgentKnowledge {
  share(knowledge: KnowledgeInput, options?: OperationOptions): Promise<KnowledgeItem>;
  confirm(itemId: string, options?: OperationOptions & { scope?: string }): Promise<KnowledgeItem>;
  get(query?: KnowledgeQuery): Promise<KnowledgeRead>;
}

/**
 * What a kind's schema must do: `safeParse`, as zod 4 and zod 3 schemas (and libraries shaped like
 * them) have, so a project on either zod fits without a cast.
 */
export interface KnowledgeSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

export interface SharedKnowledge {
  /** Adds (or replaces) the schema of a kind. */
  registerKind(kind: string, schema: KnowledgeSchema): void;
  /** Validates, signs as `agentId` and stores an item; returns it as a reader would see it. */
  shareKnowledge(agentId: string, knowledge: KnowledgeInput, options?: OperationOptions): Promise<KnowledgeItem>;
  /**
   * Signs `agentId`'s confirmation of a verified, unexpired item. The author cannot confirm its own
   * item (KNOWLEDGE_REFUSED 'self-confirmation'); confirming again changes nothing.
   */
  confirmKnowledge(agentId: string, itemId: string, options?: OperationOptions & { scope?: string }): Promise<KnowledgeItem>;
  /** Reads a scope: every record verified on the way, what fails reported in `refused`. */
  getSharedKnowledge(agentId: string, query?: KnowledgeQuery): Promise<KnowledgeRead>;
  /**
   * Deletes the scope's items whose signed expiry has passed, with their confirmations; returns how
   * many items went. Records that do not verify are left for an operator to look at (reads refuse them).
   */
  pruneExpired(options?: OperationOptions & { scope?: string }): Promise<number>;
  /**
   * The same, bound to one agent; `defaults.provenance` is added to what it shares (its own fields
   * win), e.g. the task and thread an agent in a loop runs for.
   */
  forAgent(agentId: string, defaults?: { provenance?: KnowledgeProvenance }): AgentKnowledge;
  readonly quorum: number;
}

function refused(reason: KnowledgeRefusalReason, message: string, details: Record<string, unknown>): NoError {
  return new NoError('KNOWLEDGE_REFUSED', message, { details: { reason, ...details } });
}

/**
 * Knowledge agents share through a LangGraph Store: each item validated by its kind's schema, signed
 * by its author, with provenance and a time to live, and accepted once `quorum` other agents confirm
 * it. Confirmations are signed records of their own, one Store key per confirming agent, so two
 * processes confirming at once never overwrite each other and a second confirmation counts once.
 *
 * @example
 * const knowledge = createSharedKnowledge({ store, network, kinds: { fact: z.object({ text: z.string() }) } });
 * const item = await knowledge.shareKnowledge('researcher', { kind: 'fact', scope: 'team-a', content: { text: 'the API rate limit is 60/min' } });
 * await knowledge.confirmKnowledge('reviewer-1', item.id, { scope: 'team-a' });
 * const { items } = await knowledge.getSharedKnowledge('writer', { scope: 'team-a', acceptedOnly: true });
 */
export function createSharedKnowledge(options: SharedKnowledgeOptions): SharedKnowledge {
  const { store } = options ?? ({} as Partial<SharedKnowledgeOptions>);
  if (store === undefined || typeof (store as { search?: unknown }).search !== 'function') {
    throw new NoError('INVALID_INPUT', 'shared knowledge lives in a LangGraph Store: pass createSharedKnowledge({ store: new InMemoryStore(), ... }) or a PostgresStore', {
      details: { option: 'store' },
    });
  }
  const signer = signerOf(options);
  const kinds = new Map(Object.entries(options.kinds ?? {}));
  const quorum = requireNumber('quorum', options.quorum ?? DEFAULT_KNOWLEDGE_QUORUM, { min: 1, integer: true });
  const ttlMs = requireNumber('ttlMs', options.ttlMs ?? DEFAULT_KNOWLEDGE_TTL_MS, { min: 1 });
  const readLimit = requireNumber('readLimit', options.readLimit ?? DEFAULT_KNOWLEDGE_READ_LIMIT, { min: 1, integer: true });
  const root = [...(options.namespace ?? DEFAULT_KNOWLEDGE_NAMESPACE)];
  const audit = options.audit ?? options.network?.audit;
  const now = options.now ?? Date.now;

  const agentOf = (agentId: string): string => parseWith(AgentIdSchema, agentId, { code: 'INVALID_INPUT', what: 'agent id' });
  const scopeOf = (scope: string | undefined): string => parseWith(KnowledgeScopeSchema, scope ?? DEFAULT_KNOWLEDGE_SCOPE, { code: 'INVALID_INPUT', what: 'knowledge scope' });

  /** Checks a body against its kind; the reason and text when it fails. */
  function contentProblem(body: KnowledgeBody): { reason: KnowledgeRefusalReason; why: string } | undefined {
    const schema = kinds.get(body.kind);
    if (!schema) return { reason: 'unknown-kind', why: `kind '${body.kind}' has no schema (known: ${[...kinds.keys()].join(', ') || 'none'}); register it with registerKind(kind, schema)` };
    const result = schema.safeParse(body.content);
    if (!result.success) return { reason: 'invalid-content', why: `content is not a valid '${body.kind}': ${result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}` };
    return undefined;
  }

  type Checked = { ok: true; id: string; author: string; body: KnowledgeBody; digest: string } | { ok: false; reason: KnowledgeRefusalReason; why: string };

  function checkItem(stored: Item, at: number): Checked {
    const value = StoredItemSchema.safeParse(stored.value);
    if (!value.success) return { ok: false, reason: 'malformed', why: 'not a knowledge item record' };
    const verified = verifyRecord(signer, value.data.message, KNOWLEDGE_ITEM_TYPE, KnowledgeBodySchema);
    if (!verified.ok) return verified;
    const { message, body, text } = verified;
    // The index fields and the key are unsigned: they must say what the signature says.
    if (message.id !== stored.key || value.data.author !== message.from || value.data.kind !== body.kind || body.scope !== stored.namespace.at(-1)) {
      return { ok: false, reason: 'tampered', why: 'its key, scope or index fields differ from what its author signed' };
    }
    if (body.expiresAt <= at) return { ok: false, reason: 'expired', why: `it expired at ${new Date(body.expiresAt).toISOString()}` };
    const problem = contentProblem(body);
    if (problem) return { ok: false, ...problem };
    return { ok: true, id: message.id, author: message.from, body, digest: digestOf(text) };
  }

  /** Distinct agents whose confirmation of this exact item verifies; the rest as refusals. */
  function confirmersOf(item: Extract<Checked, { ok: true }>, records: readonly Item[], out: KnowledgeRefusal[]): string[] {
    const confirmers = new Set<string>();
    for (const stored of records) {
      const refuse = (reason: KnowledgeRefusalReason, why: string): void =>
        void out.push({ key: stored.key, itemId: item.id, record: 'confirmation', reason, message: `confirmation by ${stored.key} of item ${item.id} refused: ${why}` });
      const value = StoredConfirmationSchema.safeParse(stored.value);
      if (!value.success) {
        refuse('malformed', 'not a confirmation record');
        continue;
      }
      const verified = verifyRecord(signer, value.data.message, KNOWLEDGE_CONFIRMATION_TYPE, KnowledgeConfirmationBodySchema);
      if (!verified.ok) refuse(verified.reason, verified.why);
      else if (verified.message.from !== stored.key) refuse('tampered', `it is signed by ${verified.message.from}, not by the agent it is stored for`);
      else if (verified.body.itemId !== item.id || verified.body.digest !== item.digest || verified.body.scope !== item.body.scope) {
        refuse('wrong-item', 'it confirms another item (or another version of this one)');
      } else if (verified.message.from === item.author) refuse('self-confirmation', 'an author cannot confirm its own item');
      else confirmers.add(verified.message.from);
    }
    return [...confirmers].sort();
  }

  function toItem(item: Extract<Checked, { ok: true }>, confirmedBy: string[]): KnowledgeItem {
    const { kind, scope, content, provenance, createdAt, expiresAt } = item.body;
    return { id: item.id, kind, scope, content, author: item.author, provenance, createdAt, expiresAt, confirmedBy, accepted: confirmedBy.length >= quorum };
  }

  function recordRefusals(reader: string, scope: string, refusals: readonly KnowledgeRefusal[]): void {
    for (const r of refusals) {
      if (r.reason === 'expired') continue; // expiry is the normal end of an item, not an attack
      audit?.append({ actor: reader, action: 'knowledge.read', outcome: 'denied', details: { scope, key: r.key, itemId: r.itemId, record: r.record, reason: r.reason } });
    }
  }

  /** One verified item with its confirmations, or the refusal as a typed error. */
  async function loadItem(scope: string, itemId: string, signal?: AbortSignal): Promise<{ item: KnowledgeItem; checked: Extract<Checked, { ok: true }> }> {
    signal?.throwIfAborted();
    const stored = await store.get([...root, scope], itemId);
    if (!stored) throw refused('not-found', `no knowledge item ${itemId} in scope '${scope}': share it first, or pass the scope it was shared in`, { itemId, scope });
    const checked = checkItem(stored, now());
    if (!checked.ok) throw refused(checked.reason, `knowledge item ${itemId} is refused: ${checked.why}`, { itemId, scope });
    const records = await store.search([...root, scope, itemId], { limit: readLimit });
    return { item: toItem(checked, confirmersOf(checked, records, [])), checked };
  }

  const shared: SharedKnowledge = {
    quorum,
    registerKind(kind, schema) {
      if (typeof kind !== 'string' || kind.length === 0 || typeof (schema as { safeParse?: unknown })?.safeParse !== 'function') {
        throw new NoError('INVALID_INPUT', 'registerKind needs a kind name and a zod schema, e.g. registerKind(\'fact\', z.object({ text: z.string() }))', { details: { kind } });
      }
      kinds.set(kind, schema);
    },

    async shareKnowledge(agentId, knowledge, o = {}) {
      const author = agentOf(agentId);
      const scope = scopeOf(knowledge?.scope);
      const itemTtl = requireNumber('ttlMs', knowledge.ttlMs ?? ttlMs, { min: 1 });
      const provenance = parseWith(KnowledgeProvenanceSchema, knowledge.provenance ?? {}, { code: 'INVALID_INPUT', what: 'provenance' });
      const createdAt = now();
      const body: KnowledgeBody = { kind: knowledge.kind, scope, content: knowledge.content, provenance, createdAt, expiresAt: createdAt + itemTtl };
      const problem = contentProblem(body);
      if (problem) throw new NoError('INVALID_INPUT', `knowledge refused: ${problem.why}`, { details: { reason: problem.reason, kind: knowledge.kind, scope } });
      const message = signer.sign(author, KNOWLEDGE_ITEM_TYPE, body, createdAt);
      o.signal?.throwIfAborted();
      await store.put([...root, scope], message.id, { record: 'item', kind: body.kind, author, message });
      audit?.append({ actor: author, action: 'knowledge.share', outcome: 'success', details: { scope, itemId: message.id, kind: body.kind } });
      return (await loadItem(scope, message.id, o.signal)).item;
    },

    async confirmKnowledge(agentId, itemId, o = {}) {
      const confirmer = agentOf(agentId);
      const scope = scopeOf(o.scope);
      const { item, checked } = await loadItem(scope, itemId, o.signal);
      if (item.author === confirmer) {
        throw refused('self-confirmation', `${confirmer} wrote item ${itemId} and cannot confirm it: another agent must`, { itemId, scope, agentId: confirmer });
      }
      if (item.confirmedBy.includes(confirmer)) return item;
      // The confirmation signs the digest of exactly what the author signed, so it vouches for nothing else.
      const message = signer.sign(confirmer, KNOWLEDGE_CONFIRMATION_TYPE, { itemId, scope, digest: checked.digest }, now());
      o.signal?.throwIfAborted();
      await store.put([...root, scope, itemId], confirmer, { record: 'confirmation', itemId, message });
      audit?.append({ actor: confirmer, action: 'knowledge.confirm', outcome: 'success', details: { scope, itemId } });
      return (await loadItem(scope, itemId, o.signal)).item;
    },

    async getSharedKnowledge(agentId, query = {}) {
      const reader = agentOf(agentId);
      const scope = scopeOf(query.scope);
      const limit = requireNumber('limit', query.limit ?? readLimit, { min: 1, integer: true });
      query.signal?.throwIfAborted();
      const filter: Record<string, unknown> = { record: 'item' };
      if (query.kind !== undefined) filter['kind'] = query.kind;
      if (query.author !== undefined) filter['author'] = query.author;
      // The prefix search also walks the confirmations' namespaces; the filter keeps items only.
      const stored = (await store.search([...root, scope], { filter, limit: Math.min(limit, readLimit) })).filter((s) => s.namespace.length === root.length + 1);
      const at = now();
      const refusals: KnowledgeRefusal[] = [];
      const good: Array<Extract<Checked, { ok: true }>> = [];
      for (const s of stored) {
        const checked = checkItem(s, at);
        if (checked.ok) good.push(checked);
        else refusals.push({ key: s.key, itemId: s.key, record: 'item', reason: checked.reason, message: `knowledge item ${s.key} refused: ${checked.why}` });
      }
      query.signal?.throwIfAborted();
      const confirmations = await Promise.all(good.map((g) => store.search([...root, scope, g.id], { limit: readLimit })));
      const items = good
        .map((g, i) => toItem(g, confirmersOf(g, confirmations[i] as Item[], refusals)))
        .filter((item) => (query.kind === undefined || item.kind === query.kind) && (query.author === undefined || item.author === query.author))
        .filter((item) => !query.acceptedOnly || item.accepted)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
      recordRefusals(reader, scope, refusals);
      return { items, refused: refusals };
    },

    async pruneExpired(o = {}) {
      const scope = scopeOf(o.scope);
      o.signal?.throwIfAborted();
      const at = now();
      const stored = (await store.search([...root, scope], { filter: { record: 'item' }, limit: readLimit })).filter((s) => s.namespace.length === root.length + 1);
      let removed = 0;
      for (const s of stored) {
        const checked = checkItem(s, at);
        if (checked.ok || checked.reason !== 'expired') continue;
        o.signal?.throwIfAborted();
        for (const confirmation of await store.search([...root, scope, s.key], { limit: readLimit })) await store.delete(confirmation.namespace, confirmation.key);
        await store.delete([...root, scope], s.key);
        removed++;
      }
      return removed;
    },

    forAgent(agentId, defaults = {}) {
      const id = agentOf(agentId);
      const base = parseWith(KnowledgeProvenanceSchema, defaults.provenance ?? {}, { code: 'INVALID_INPUT', what: 'provenance' });
      return {
        share: (knowledge, o) => shared.shareKnowledge(id, { ...knowledge, provenance: { ...base, ...knowledge?.provenance } }, o),
        confirm: (itemId, o) => shared.confirmKnowledge(id, itemId, o),
        get: (query) => shared.getSharedKnowledge(id, query),
      };
    },
  };
  return shared;
}
