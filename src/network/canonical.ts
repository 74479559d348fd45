import { SignedMessageSchema, type DeliveredMessage } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';

/**
 * JSON with object keys in code-point order at every depth, following JSON.stringify's rules for
 * everything else (undefined and functions dropped from objects, `null` in arrays, toJSON honoured,
 * non-finite numbers as null). Equal values always give equal text, so the text can be signed.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, true) ?? 'null';
}

function encode(value: unknown, top: boolean): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new NoError('INVALID_INPUT', 'a message cannot carry a bigint (not JSON)');
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => encode(item, false) ?? 'null').join(',')}]`;
      const parts: string[] = [];
      for (const key of Object.keys(value).sort()) {
        const item = encode((value as Record<string, unknown>)[key], false);
        if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return top ? 'null' : undefined;
  }
}

/** The fields a signature covers (everything but the signature itself). */
export type UnsignedMessage = Omit<DeliveredMessage, 'signature'>;

/**
 * The bytes a sender signs: the canonical JSON of id, from, to/topic, type, payload, sentAt, nonce,
 * correlationId, causationId and traceparent. Other (unknown) fields never reach the signature.
 */
export function signingBytes(message: UnsignedMessage): Buffer {
  return Buffer.from(signingText(message));
}

/** {@link signingBytes} as text. */
export function signingText(message: UnsignedMessage): string {
  const { id, from, to, topic, type, payload, sentAt, nonce, correlationId, causationId, traceparent } = message;
  return canonicalJson({ id, from, to, topic, type, payload, sentAt, nonce, correlationId, causationId, traceparent });
}

/** A signed message as wire text (canonical JSON), e.g. for a transport or an A2A bridge. */
export function encodeSignedMessage(message: DeliveredMessage): string {
  return canonicalJson(message);
}

/**
 * Parses wire text (or UTF-8 bytes) strictly: it must be valid UTF-8, a valid DeliveredMessage, and in
 * canonical form, so two different byte strings never stand for the same signed message.
 * Throws `NoError('MESSAGE_REFUSED')` with `details.reason = 'malformed'` otherwise.
 */
export function decodeSignedMessage(wire: string | Uint8Array): DeliveredMessage {
  let text: string;
  let parsed: unknown;
  try {
    text = typeof wire === 'string' ? wire : new TextDecoder('utf-8', { fatal: true }).decode(wire);
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformed('not valid UTF-8 JSON', error);
  }
  const result = SignedMessageSchema.safeParse(parsed);
  if (!result.success) throw malformed(result.error.issues.map((i) => i.message).join('; '));
  if (canonicalJson(parsed) !== text) throw malformed('not in canonical form');
  return result.data;
}

function malformed(why: string, cause?: unknown): NoError {
  return new NoError('MESSAGE_REFUSED', `malformed message: ${why}`, { details: { reason: 'malformed' }, cause });
}
