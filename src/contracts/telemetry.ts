import { z } from 'zod';

const AttributeValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** One structured telemetry record (every decision point emits one; the audit trail stores them). */
export const TelemetryRecordSchema = z.object({
  kind: z.enum(['span', 'metric', 'decision', 'audit']),
  name: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  attributes: z.record(z.string(), AttributeValueSchema).default({}),
  /** Metric value, or span duration in ms. */
  value: z.number().optional(),
  status: z.enum(['ok', 'error']).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  spanId: z.string().regex(/^[0-9a-f]{16}$/).optional(),
});
export type TelemetryRecord = z.infer<typeof TelemetryRecordSchema>;
export type TelemetryRecordInput = z.input<typeof TelemetryRecordSchema>;
