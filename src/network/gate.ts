import { DeliveredMessageSchema, type DeliveredMessage } from '../contracts/network.js';
import { NoError, type NoErrorCode } from '../contracts/errors.js';
import type { AuditTrail } from '../telemetry/audit.js';
import type { Keyring } from './keyring.js';
import type { CompiledPolicy } from './policy.js';
import type { ReplayGuard } from './replay-guard.js';
import type { AgentRegistry } from './registry.js';
import { signingBytes } from './canonical.js';
import { recordRefused, type MessageKind } from './metrics.js';

export type RefusalReason =
  | 'malformed'
  | 'revoked'
  | 'unknown-sender'
  | 'bad-signature'
  | 'replayed'
  | 'expired'
  | 'unknown-recipient'
  | 'policy';

const CODES: Record<RefusalReason, NoErrorCode> = {
  malformed: 'MESSAGE_REFUSED',
  revoked: 'MESSAGE_REFUSED',
  'unknown-sender': 'SIGNATURE_INVALID',
  'bad-signature': 'SIGNATURE_INVALID',
  replayed: 'MESSAGE_REFUSED',
  expired: 'MESSAGE_REFUSED',
  'unknown-recipient': 'AGENT_NOT_FOUND',
  policy: 'MESSAGE_REFUSED',
};

export interface Gate {
  keyring: Keyring;
  replay: ReplayGuard;
  policy: CompiledPolicy;
  registry: AgentRegistry;
  audit: AuditTrail;
  /** Counts the refusal in the network's status. */
  refused(reason: RefusalReason): void;
}

/** Records a refusal (audit entry, metric, status count) and returns the typed error to throw. */
export function refuse(
  gate: Gate,
  reason: RefusalReason,
  kind: MessageKind,
  actor: string,
  text: string,
  details: Record<string, unknown> = {},
  action = 'message.receive',
): NoError {
  gate.audit.append({ actor, action, outcome: 'denied', details: { reason, kind, ...details } });
  recordRefused(reason, kind);
  gate.refused(reason);
  return new NoError(CODES[reason], text, { details: { reason, ...details } });
}

/**
 * Zero-trust admission of a signed message, in the order that keeps forgeries cheap: shape,
 * revocation, signature, freshness (nonce and time window), recipient, then policy. Throws the
 * refusal; returns the message's kind when admitted.
 */
export function admit(gate: Gate, input: DeliveredMessage): MessageKind {
  const parsed = DeliveredMessageSchema.safeParse(input);
  const guessKind: MessageKind = (input as { topic?: unknown } | null)?.topic === undefined ? 'direct' : 'broadcast';
  const actor = typeof (input as { from?: unknown } | null)?.from === 'string' ? (input as { from: string }).from : 'unknown';
  if (!parsed.success || (input.to === undefined) === (input.topic === undefined)) {
    const why = parsed.success ? 'a message needs exactly one of to and topic' : parsed.error.issues.map((i) => i.message).join('; ');
    throw refuse(gate, 'malformed', guessKind, actor, `malformed message: ${why}`);
  }
  const message = input;
  const kind = guessKind;
  const facts = { id: message.id, from: message.from, to: message.to, topic: message.topic };
  if (gate.keyring.isRevoked(message.from)) {
    throw refuse(gate, 'revoked', kind, message.from, `sender ${message.from} is revoked`, facts);
  }
  if (!gate.keyring.has(message.from)) {
    throw refuse(gate, 'unknown-sender', kind, message.from, `no key is known for sender ${message.from}`, facts);
  }
  if (!gate.keyring.verify(message.from, signingBytes(message), message.signature)) {
    throw refuse(gate, 'bad-signature', kind, message.from, `signature of message ${message.id} does not verify`, facts);
  }
  const verdict = gate.replay.check(message.nonce, message.sentAt);
  if (verdict !== 'fresh') {
    throw refuse(gate, verdict, kind, message.from, `message ${message.id} is ${verdict}`, { ...facts, sentAt: message.sentAt });
  }
  if (message.to !== undefined) {
    if (gate.registry.get(message.to) === undefined) {
      throw refuse(gate, 'unknown-recipient', kind, message.from, `no agent ${message.to} is registered`, facts);
    }
    if (!gate.policy.direct(message.from, message.to)) {
      throw refuse(gate, 'policy', kind, message.from, `${message.from} may not message ${message.to}`, facts);
    }
  } else if (!gate.policy.publish(message.from, message.topic as string)) {
    throw refuse(gate, 'policy', kind, message.from, `${message.from} may not publish on ${message.topic}`, facts);
  }
  return kind;
}
