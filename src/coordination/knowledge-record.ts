import { createHash, createPublicKey, randomBytes, verify as verifySignature, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { AgentIdSchema, SignedMessageSchema, type DeliveredMessage } from '../contracts/network.js';
import { NoError, isNoError, toError } from '../contracts/errors.js';
import { signingText, type UnsignedMessage } from '../network/canonical.js';
import type { AgentNetwork, Keyring } from '../network/index.js';

/** The topic every knowledge record is signed under; it never travels over the network's topics. */
export const KNOWLEDGE_TOPIC = 'knowledge';
export const KNOWLEDGE_ITEM_TYPE = 'knowledge.item';
export const KNOWLEDGE_CONFIRMATION_TYPE = 'knowledge.confirm';

/**
 * A team or topic: one Store namespace label, so no '.' (every LangGraph Store refuses it) and no
 * '_' (PostgresStore refuses SQL LIKE wildcards in labels).
 */
export const KnowledgeScopeSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'letters, digits and - (at most 64): no dots or underscores, which Stores refuse in namespace labels');

/** Where a piece of knowledge came from; signed with it. */
export const KnowledgeProvenanceSchema = z
  .object({
    /** What produced it: a tool, a model, a document, a person. */
    source: z.string().min(1).max(512).optional(),
    taskId: z.string().min(1).max(256).optional(),
    runId: z.string().min(1).max(256).optional(),
    threadId: z.string().min(1).max(256).optional(),
    /** Ids of the items it was derived from. */
    derivedFrom: z.array(z.string().min(1).max(128)).max(64).optional(),
  })
  .strict();
export type KnowledgeProvenance = z.infer<typeof KnowledgeProvenanceSchema>;

/** What an item's author signs (the payload of its signed record). */
export const KnowledgeBodySchema = z
  .object({
    kind: z.string().min(1).max(128),
    scope: KnowledgeScopeSchema,
    content: z.unknown(),
    provenance: KnowledgeProvenanceSchema,
    createdAt: z.number().nonnegative(),
    expiresAt: z.number().nonnegative(),
  })
  .strict();
export type KnowledgeBody = z.infer<typeof KnowledgeBodySchema>;

/** What a confirmer signs: the item, by id and by the digest of exactly what its author signed. */
export const KnowledgeConfirmationBodySchema = z
  .object({ itemId: z.string().min(1).max(128), scope: KnowledgeScopeSchema, digest: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict();

/** A Store value: the signed record plus unsigned index fields (for store filters; checked on read). */
export const StoredItemSchema = z.object({ record: z.literal('item'), kind: z.string(), author: AgentIdSchema, message: z.unknown() });
export const StoredConfirmationSchema = z.object({ record: z.literal('confirmation'), itemId: z.string(), message: z.unknown() });

export type KnowledgeRefusalReason =
  | 'malformed'
  | 'bad-signature'
  | 'revoked'
  | 'tampered'
  | 'expired'
  | 'unknown-kind'
  | 'invalid-content'
  | 'wrong-item'
  | 'self-confirmation'
  | 'not-found';

/** Signs and verifies records with the agent network's identities (or a keyring directly). */
export interface KnowledgeSigner {
  sign(from: string, type: string, payload: unknown, sentAt: number): DeliveredMessage;
  /** `undefined` when the signature verifies, else why not. */
  check(message: DeliveredMessage, text: string): 'bad-signature' | 'revoked' | undefined;
}

export function signerOf(source: { network?: AgentNetwork; keyring?: Keyring }): KnowledgeSigner {
  const { network, keyring } = source;
  if (keyring) {
    return {
      sign(from, type, payload, sentAt) {
        const unsigned: UnsignedMessage = { id: '', from, topic: KNOWLEDGE_TOPIC, type, payload, sentAt, nonce: randomBytes(12).toString('hex') };
        return signed(unsigned, (text) => (keyring.identity(from), keyring.sign(from, Buffer.from(text))));
      },
      check(message, text) {
        if (keyring.isRevoked(message.from)) return 'revoked';
        return keyring.verify(message.from, Buffer.from(text), message.signature) ? undefined : 'bad-signature';
      },
    };
  }
  if (!network) {
    throw new NoError('INVALID_INPUT', 'shared knowledge signs every item: pass createSharedKnowledge({ store, network }) or ({ store, keyring })', {
      details: { option: 'network' },
    });
  }
  const keys = new Map<string, KeyObject>();
  return {
    sign: (from, type, payload) => network.sign(from, { topic: KNOWLEDGE_TOPIC }, { type, payload }),
    check(message, text) {
      let publicKey: string;
      try {
        publicKey = network.identity(message.from).publicKey;
      } catch (error) {
        if (isNoError(error, 'MESSAGE_REFUSED')) return 'revoked';
        throw error;
      }
      let key = keys.get(publicKey);
      if (!key) keys.set(publicKey, (key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' })));
      const bytes = Buffer.from(message.signature, 'base64url');
      if (bytes.length !== 64 || bytes.toString('base64url') !== message.signature) return 'bad-signature';
      return verifySignature(null, Buffer.from(text), key, bytes) ? undefined : 'bad-signature';
    },
  };
}

function signed(unsigned: UnsignedMessage, sign: (text: string) => string): DeliveredMessage {
  // The id names the record and is a Store namespace label (its confirmations live under it): the
  // author's fresh hex nonce keeps two equal items apart and holds nothing PostgresStore refuses.
  const withId = { ...unsigned, id: `k-${unsigned.nonce}` };
  let text: string;
  try {
    text = signingText(withId);
  } catch (error) {
    throw new NoError('INVALID_INPUT', `the knowledge cannot be read as JSON: ${toError(error).message}`, { cause: error, details: {} });
  }
  return { ...(JSON.parse(text) as UnsignedMessage), signature: sign(text) };
}

/** The sha-256 of a record's signed text: what a confirmation vouches for. */
export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type Verified<T> = { ok: true; message: DeliveredMessage; body: T; text: string } | { ok: false; reason: KnowledgeRefusalReason; why: string };

/**
 * A stored record's signed message, checked: strict shape, the expected type, a signature that
 * verifies, a body of the expected shape. What comes back is rebuilt from the signed text, so nothing
 * unsigned in the stored value reaches a reader.
 */
export function verifyRecord<T>(signer: KnowledgeSigner, raw: unknown, type: string, bodySchema: z.ZodType<T>): Verified<T> {
  const parsed = SignedMessageSchema.safeParse(raw);
  if (!parsed.success || parsed.data.type !== type || parsed.data.topic !== KNOWLEDGE_TOPIC || parsed.data.to !== undefined) {
    return { ok: false, reason: 'malformed', why: parsed.success ? `not a ${type} record` : parsed.error.issues.map((i) => i.message).join('; ') };
  }
  let text: string;
  try {
    text = signingText(parsed.data as DeliveredMessage);
  } catch (error) {
    return { ok: false, reason: 'malformed', why: toError(error).message };
  }
  const bad = signer.check(parsed.data as DeliveredMessage, text);
  if (bad === 'revoked') return { ok: false, reason: 'revoked', why: `its signer ${parsed.data.from} is revoked` };
  if (bad) return { ok: false, reason: 'bad-signature', why: `its signature does not verify against ${parsed.data.from}'s key` };
  const message = { ...(JSON.parse(text) as UnsignedMessage), signature: parsed.data.signature };
  const body = bodySchema.safeParse(message.payload);
  if (!body.success) return { ok: false, reason: 'malformed', why: `its signed body is not a ${type}: ${body.error.issues.map((i) => i.message).join('; ')}` };
  return { ok: true, message, body: body.data, text };
}
