import { z } from 'zod';
import { NonNegativeNumberSchema } from './common.js';
import type { NoErrorCode } from './errors.js';

export const ToolLayerLevelSchema = z.enum(['dashboard', 'execution', 'primitive']);
export type ToolLayerLevel = z.infer<typeof ToolLayerLevelSchema>;

/** What each layer may offer; a tool outside its layer's capabilities is refused at registration. */
export const LAYER_CAPABILITIES = {
  primitive: ['memory', 'compute', 'io', 'composition'],
  execution: ['file-system', 'process', 'network', 'chaining'],
  dashboard: ['visualization', 'monitoring', 'reporting', 'metrics'],
} as const satisfies Record<ToolLayerLevel, readonly string[]>;

export const ToolCapabilitySchema = z.enum([
  ...LAYER_CAPABILITIES.primitive,
  ...LAYER_CAPABILITIES.execution,
  ...LAYER_CAPABILITIES.dashboard,
]);
export type ToolCapability = z.infer<typeof ToolCapabilitySchema>;

/**
 * The codes a failed ToolResult carries: the current package's six, kept as they were, and
 * TOOL_NOT_FOUND. Each is also a NoError code, so a tool error and a thrown NoError name one fact
 * with one code, and nothing translates between them.
 */
export const ToolErrorCodeSchema = z.enum([
  'TASK_NOT_FOUND',
  'WORKFLOW_NOT_FOUND',
  'INVALID_INPUT',
  'PERMISSION_DENIED',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'TOOL_NOT_FOUND',
] as const satisfies readonly NoErrorCode[]);
export type ToolErrorCodeValue = z.infer<typeof ToolErrorCodeSchema>;

export const ToolManifestSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9._-]{0,127}$/, 'lower-case name of letters, digits, . _ -'),
  layer: ToolLayerLevelSchema,
  capability: ToolCapabilitySchema,
  description: z.string().min(1),
  /** JSON Schema of the input, generated from the tool's Zod schema. */
  inputSchema: z.record(z.string(), z.unknown()),
  /** Mutating tools run one at a time in chains; read-only ones may run in parallel. */
  mutating: z.boolean(),
});
export type ToolManifest = z.infer<typeof ToolManifestSchema>;

export const ToolErrorSchema = z.object({
  code: ToolErrorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
  retryable: z.boolean().optional(),
  timestamp: z.string(),
});
export type ToolError = z.infer<typeof ToolErrorSchema>;

export const ToolResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    tool: z.string(),
    layer: ToolLayerLevelSchema,
    /** A result kind, e.g. `visualization` for dashboard renderings. */
    type: z.string().default('data'),
    data: z.unknown(),
    durationMs: NonNegativeNumberSchema,
  }),
  z.object({
    ok: z.literal(false),
    tool: z.string(),
    layer: ToolLayerLevelSchema,
    error: ToolErrorSchema,
    durationMs: NonNegativeNumberSchema,
  }),
]);
export type ToolResult = z.infer<typeof ToolResultSchema>;
