import { SignedMessageSchema, type DeliveredMessage } from '../contracts/network.js';
import { NoError, isNoError, toError, type NoErrorCode } from '../contracts/errors.js';
import type { AuditTrail } from '../telemetry/audit.js';
import type { Keyring } from './keyring.js';
import type { CompiledMessagePolicy } from './policy.js';
import type { ReplayGuard } from './replay-guard.js';
import type { AgentRegistry } from './registry.js';
import { signingText } from './canonical.js';
import type { MessageLimits } from './limits.js';
import { recordRefused, type MessageKind } from './metrics.js';

export type RefusalReason =
  | 'malformed'
  | 'revoked'
  | 'unknown-sender'
  | 'bad-signature'
  | 'replayed'
  | 'expired'
  | 'before-start'
  | 'unknown-recipient'
  | 'policy'
  | 'too-large';

const CODES: Record<RefusalReason, NoErrorCode> = {
  malformed: 'MESSAGE_REFUSED',
  revoked: 'MESSAGE_REFUSED',
  'unknown-sender': 'SIGNATURE_INVALID',
  'bad-signature': 'SIGNATURE_INVALID',
  replayed: 'MESSAGE_REFUSED',
  expired: 'MESSAGE_REFUSED',
  'before-start': 'MESSAGE_REFUSED',
  'unknown-recipient': 'AGENT_NOT_FOUND',
  policy: 'MESSAGE_REFUSED',
  'too-large': 'MESSAGE_TOO_LARGE',
};

/**
 * What admitting or refusing a message needs: the keys, the replay memory, the policy, the registry,
 * the audit trail and the limits. Unlike the tool layer's `Gate`, which returns a refusal as a failed
 * result, these checks throw it: the send, receive and restore paths reject with the typed error.
 */
export interface MessageGuard {
  keyring: Keyring;
  replay: ReplayGuard;
  policy: CompiledMessagePolicy;
  registry: AgentRegistry;
  audit: AuditTrail;
  limits: MessageLimits;
  /** Counts the refusal in the network's status. */
  refused(reason: RefusalReason): void;
}

/** Records a refusal (audit entry, metric, status count) and returns the typed error to throw. */
export function refuse(
  guard: MessageGuard,
  reason: RefusalReason,
  kind: MessageKind,
  actor: string,
  text: string,
  details: Record<string, unknown> = {},
  action = 'message.receive',
): NoError {
  guard.audit.append({ actor, action, outcome: 'denied', details: { reason, kind, ...details } });
  recordRefused(reason, kind);
  guard.refused(reason);
  return new NoError(CODES[reason], text, { details: { reason, ...details } });
}

/**
 * The signed text of a message held to the network's limits, or the refusal: `too-large` past a
 * limit, `malformed` for anything else the encoder cannot take (a cycle, a bigint, a throwing getter).
 */
export function limitedSigningText(guard: MessageGuard, message: DeliveredMessage, kind: MessageKind, action = 'message.receive'): string {
  try {
    return signingText(message, guard.limits, message.signature);
  } catch (error) {
    const facts = { id: message.id, from: message.from, to: message.to, topic: message.topic };
    if (isNoError(error, 'MESSAGE_TOO_LARGE')) throw refuse(guard, 'too-large', kind, message.from, error.message, { ...facts, ...error.details }, action);
    throw refuse(guard, 'malformed', kind, message.from, `malformed message: ${toError(error).message}`, facts, action);
  }
}

/**
 * The message as its signature covers it, when the signature verifies: rebuilt from the signed text,
 * so what a handler gets is exactly what was verified. The object handed in may carry more than JSON
 * shows — a `toJSON`, a getter, an `undefined` field — and none of it may reach a handler unsigned.
 */
export function verifiedMessage(keyring: Keyring, message: DeliveredMessage, text: string): DeliveredMessage | undefined {
  if (!keyring.verify(message.from, Buffer.from(text), message.signature)) return undefined;
  return { ...(JSON.parse(text) as Omit<DeliveredMessage, 'signature'>), signature: message.signature };
}

/** An admitted message: its kind, and the message rebuilt from what was signed. */
export interface Admitted {
  kind: MessageKind;
  message: DeliveredMessage;
}

/**
 * Zero-trust admission of a signed message, in the order that keeps forgeries cheap: shape (no
 * unsigned field), size and depth, revocation, signature, freshness (nonce and time window),
 * recipient, then policy. `signedHere`: this network just signed it (see ReplayGuard.check).
 * Throws the refusal; returns the message as signed when admitted.
 */
export function admit(guard: MessageGuard, input: unknown, signedHere: boolean): Admitted {
  const parsed = SignedMessageSchema.safeParse(input);
  const guessKind: MessageKind = (input as { topic?: unknown } | null)?.topic === undefined ? 'direct' : 'broadcast';
  const actor = typeof (input as { from?: unknown } | null)?.from === 'string' ? (input as { from: string }).from : 'unknown';
  if (!parsed.success || (parsed.data.to === undefined) === (parsed.data.topic === undefined)) {
    const why = parsed.success ? 'a message needs exactly one of to and topic' : parsed.error.issues.map((i) => i.message).join('; ');
    throw refuse(guard, 'malformed', guessKind, actor, `malformed message: ${why}`);
  }
  const kind = guessKind;
  const facts = { id: parsed.data.id, from: parsed.data.from, to: parsed.data.to, topic: parsed.data.topic };
  // Before any key work: an oversize forgery costs a bounded walk, never a hash of all its bytes.
  const text = limitedSigningText(guard, parsed.data as DeliveredMessage, kind);
  if (guard.keyring.isRevoked(parsed.data.from)) {
    throw refuse(guard, 'revoked', kind, parsed.data.from, `sender ${parsed.data.from} is revoked`, facts);
  }
  if (!guard.keyring.has(parsed.data.from)) {
    throw refuse(guard, 'unknown-sender', kind, parsed.data.from, `no key is known for sender ${parsed.data.from}`, facts);
  }
  const message = verifiedMessage(guard.keyring, parsed.data as DeliveredMessage, text);
  if (message === undefined) {
    throw refuse(guard, 'bad-signature', kind, parsed.data.from, `signature of message ${parsed.data.id} does not verify`, facts);
  }
  const verdict = guard.replay.check(message.nonce, message.sentAt, signedHere);
  if (verdict === 'before-start') {
    const why = `message ${message.id} was signed before this network started, so an earlier process may have delivered it; give the network a replayStore to admit such messages`;
    throw refuse(guard, verdict, kind, message.from, why, { ...facts, sentAt: message.sentAt });
  }
  if (verdict !== 'fresh') {
    throw refuse(guard, verdict, kind, message.from, `message ${message.id} is ${verdict}`, { ...facts, sentAt: message.sentAt });
  }
  if (message.to !== undefined) {
    if (guard.registry.get(message.to) === undefined) {
      throw refuse(guard, 'unknown-recipient', kind, message.from, `no agent ${message.to} is registered`, facts);
    }
    if (!guard.policy.direct(message.from, message.to)) {
      throw refuse(guard, 'policy', kind, message.from, `${message.from} may not message ${message.to}`, facts);
    }
  } else if (!guard.policy.publish(message.from, message.topic as string)) {
    throw refuse(guard, 'policy', kind, message.from, `${message.from} may not publish on ${message.topic}`, facts);
  }
  return { kind, message };
}
