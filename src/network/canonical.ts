import { SignedMessageSchema, type DeliveredMessage } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';
import { encodeJson, nestsDeeperThan } from './encoder.js';
import { messageTooLarge, type MessageLimits } from './limits.js';

/**
 * JSON with object keys sorted (Array.prototype.sort, i.e. by UTF-16 code units) at every depth,
 * following JSON.stringify's rules for everything else (undefined and functions dropped from objects,
 * `null` in arrays, toJSON honoured, non-finite numbers as null). Equal values always give equal
 * text, so the text can be signed. Any depth is fine: the walk keeps its own stack.
 */
export function canonicalJson(value: unknown): string {
  return encodeJson(value);
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

/** What `,"signature":"…"` adds to a message's wire text: 15 bytes and 86 base64url characters. */
export const SIGNATURE_FIELD_BYTES = 101;

/**
 * {@link signingBytes} as text. With `limits`, the message is held to them as its wire text would
 * be: the signature field counts (`signature`, or one of the standard length for a message still to
 * be signed) and the depth is the payload's. Past a limit it throws `MESSAGE_TOO_LARGE`.
 */
export function signingText(message: UnsignedMessage, limits?: MessageLimits, signature?: string): string {
  const { id, from, to, topic, type, payload, sentAt, nonce, correlationId, causationId, traceparent } = message;
  const fields: Record<string, unknown> = { id, from, to, topic, type, payload, sentAt, nonce, correlationId, causationId, traceparent };
  // Absent fields are left out rather than dropped by the encoder, which would count a byte for each.
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  if (limits === undefined) return encodeJson(fields);
  return encodeJson(fields, {
    maxBytes: limits.maxMessageBytes,
    maxDepth: limits.maxMessageDepth,
    outerDepth: 1,
    // Base64url is ASCII, so length is bytes; a longer, bogus signature only counts more.
    startBytes: signature === undefined ? SIGNATURE_FIELD_BYTES : 15 + signature.length,
  });
}

/** A signed message as wire text (canonical JSON), e.g. for a transport or an A2A bridge. */
export function encodeSignedMessage(message: DeliveredMessage): string {
  return canonicalJson(message);
}

/**
 * Parses wire text (or UTF-8 bytes) strictly: it must be valid UTF-8, a valid DeliveredMessage, and in
 * canonical form, so two different byte strings never stand for the same signed message.
 * Throws `NoError('MESSAGE_REFUSED')` with `details.reason = 'malformed'` otherwise. With `limits`,
 * text past them is refused with `MESSAGE_TOO_LARGE` before it is parsed.
 */
export function decodeSignedMessage(wire: string | Uint8Array, limits?: MessageLimits): DeliveredMessage {
  // A string has at least as many UTF-8 bytes as code units: huge wire text is refused unread.
  const size = typeof wire === 'string' ? wire.length : wire.byteLength;
  if (limits !== undefined && size > limits.maxMessageBytes) throw messageTooLarge('maxMessageBytes', limits.maxMessageBytes, { atLeast: size });
  let text: string;
  let parsed: unknown;
  try {
    text = typeof wire === 'string' ? wire : new TextDecoder('utf-8', { fatal: true }).decode(wire);
  } catch (error) {
    throw malformed('not valid UTF-8 JSON', error);
  }
  // The message object is one level; its payload may nest maxMessageDepth more.
  if (limits !== undefined && nestsDeeperThan(text, limits.maxMessageDepth + 1)) throw messageTooLarge('maxMessageDepth', limits.maxMessageDepth);
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformed('not valid UTF-8 JSON', error);
  }
  const result = SignedMessageSchema.safeParse(parsed);
  if (!result.success) throw malformed(result.error.issues.map((i) => i.message).join('; '));
  const bounds = limits && { maxBytes: limits.maxMessageBytes, maxDepth: limits.maxMessageDepth, outerDepth: 1 };
  if (encodeJson(parsed, bounds) !== text) throw malformed('not in canonical form');
  return result.data;
}

function malformed(why: string, cause?: unknown): NoError {
  return new NoError('MESSAGE_REFUSED', `malformed message: ${why}`, { details: { reason: 'malformed' }, cause });
}
