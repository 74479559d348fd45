import { z } from 'zod';
import { NonNegativeNumberSchema } from './common.js';

export const AgentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - (at most 128)');
export type AgentId = z.infer<typeof AgentIdSchema>;

export const TopicSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'lower-case topic name');

/** What a sender hands to sendMessage: a type and a payload, with optional correlation. */
export const AgentMessageSchema = z.object({
  type: z.string().min(1).max(128),
  payload: z.unknown(),
  correlationId: z.string().min(1).max(128).optional(),
  causationId: z.string().min(1).max(128).optional(),
});
export type AgentMessage = z.infer<typeof AgentMessageSchema>;

/** What a broadcaster hands to broadcast: a message on a topic. */
export const BroadcastMessageSchema = AgentMessageSchema.extend({
  topic: TopicSchema,
});
export type BroadcastMessage = z.infer<typeof BroadcastMessageSchema>;

/** A message as delivered: addressed, stamped, signed. */
export const DeliveredMessageSchema = AgentMessageSchema.extend({
  // JSON has no undefined: a message sent without a payload has no payload field once signed.
  payload: z.unknown().optional(),
  id: z.string().min(1).max(128),
  from: AgentIdSchema,
  to: AgentIdSchema.optional(),
  topic: TopicSchema.optional(),
  sentAt: NonNegativeNumberSchema,
  nonce: z.string().min(8),
  traceparent: z.string().optional(),
  signature: z.string().min(1),
});
export type DeliveredMessage = z.infer<typeof DeliveredMessageSchema>;

/**
 * What a receiver admits: a delivered message with no field its signature leaves out. Strict, because
 * an unsigned field is either tampering or a sender of another version; either way nobody vouches for it.
 */
export const SignedMessageSchema = DeliveredMessageSchema.strict();
