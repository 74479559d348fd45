import { NoError } from '../contracts/errors.js';
import { requireNumber } from '../resilience/policy.js';

/**
 * @default 262_144 (256 KiB) — the largest message as wire text (canonical JSON in UTF-8, signature
 * included). Mailboxes hold up to mailboxCapacity messages and checkpoints hold every undelivered
 * one, so this bounds their memory too: 1,000 full messages are 256 MiB.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

/** @default 64 — the deepest nesting of arrays and objects in a payload (`{ a: [1] }` nests 2 deep). */
export const DEFAULT_MAX_MESSAGE_DEPTH = 64;

/**
 * The largest `maxMessageDepth` a network accepts. The network's own walk has no recursion, but
 * snapshots and checkpointers serialise messages with JSON.stringify, which recurses once per level
 * and overflows the stack a few thousand levels down.
 */
export const LARGEST_MAX_MESSAGE_DEPTH = 1_000;

/** Limits every message is held to when it is signed and again when it is received. */
export interface MessageLimits {
  maxMessageBytes: number;
  maxMessageDepth: number;
}

/** The limits from a network's options; `INVALID_NUMBER` for a value no message could use. */
export function coerceMessageLimits(options: Partial<MessageLimits>): MessageLimits {
  return {
    maxMessageBytes: requireNumber('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, { min: 1, integer: true }),
    maxMessageDepth: requireNumber('maxMessageDepth', options.maxMessageDepth ?? DEFAULT_MAX_MESSAGE_DEPTH, { min: 0, max: LARGEST_MAX_MESSAGE_DEPTH, integer: true }),
  };
}

/** The one error for a message past a limit; its text names the option that raises the limit. */
export function messageTooLarge(limit: keyof MessageLimits, max: number, facts: { atLeast?: number; path?: string } = {}): NoError {
  const what = limit === 'maxMessageBytes' ? `message is larger than maxMessageBytes (${max} bytes)` : `message payload nests deeper than maxMessageDepth (${max})`;
  const where = facts.path ? ` at ${facts.path}` : '';
  return new NoError('MESSAGE_TOO_LARGE', `${what}${where}; raise the network's ${limit} option to allow it`, { details: { limit, max, ...facts } });
}
