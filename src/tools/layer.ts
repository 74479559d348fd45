import { z } from 'zod';
import { NoError } from '../contracts/errors.js';
import type { EventEnvelope } from '../contracts/events.js';
import { createListeners } from '../contracts/listeners.js';
import { LAYER_CAPABILITIES, ToolManifestSchema, type ToolCapability, type ToolLayerLevel, type ToolManifest } from '../contracts/tools.js';
import { requireNumber } from '../resilience/policy.js';
import { MAX_TIMER_MS } from '../resilience/timeout.js';
import { createAuditTrail, type AuditTrail } from '../telemetry/index.js';
import {
  createGate,
  DEFAULT_MAX_CHAIN_DEPTH,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_TOOL_TIMEOUT_MS,
} from './gate.js';
import { coercePolicy, type ToolPolicy, type ToolPolicyInput } from './policy.js';
import { coerceRateLimit, type RateLimitOptions } from './rate-limit.js';
import type { ToolDefinition, ToolLayer } from './tool.js';

/** What every layer accepts, whatever its level. */
export interface ToolLayerOptions {
  /** Who may call what. @default { rules: [] } (primitive and dashboard open, execution closed) */
  policy?: ToolPolicyInput;
  /** Token bucket per caller and tool, or `false` for none. @default DEFAULT_RATE_LIMIT */
  rateLimit?: Partial<RateLimitOptions> | false;
  /** Largest serialized params, in bytes. @default DEFAULT_MAX_INPUT_BYTES */
  maxInputBytes?: number;
  /** Per-call timeout for tools that set none. @default DEFAULT_TOOL_TIMEOUT_MS */
  timeoutMs?: number;
  /** Deepest tool chain through `ctx.invoke`. @default DEFAULT_MAX_CHAIN_DEPTH */
  maxChainDepth?: number;
  /** Where every call is recorded. @default a new createAuditTrail() */
  audit?: AuditTrail;
  /** Receives a `no.tool.layer.invoked` event per call. */
  onEvent?: (event: EventEnvelope) => void;
  /** Extra tools, registered after the built-in ones. */
  tools?: ToolDefinition[];
  /** Epoch-ms clock for the rate limiter and timestamps (tests move it). @default Date.now */
  now?: () => number;
}

/** A ToolLayer with its audit trail, event subscription and policy. */
export interface NoToolLayer extends ToolLayer {
  /** The hash-chained trail every call of this layer is written to. */
  readonly audit: AuditTrail;
  /**
   * Subscribes to `no.tool.layer.invoked` events; returns an unsubscribe function. A listener that
   * throws never changes a call's result: its error is rethrown on a microtask.
   */
  onEvent(listener: (event: EventEnvelope) => void): () => void;
  /** The policy in force. */
  getPolicy(): ToolPolicy;
  /** Replaces the policy (validated first; a bad policy changes nothing and throws INVALID_REQUEST). */
  setPolicy(policy: ToolPolicyInput): void;
}

function invalid(message: string, details: Record<string, unknown>): NoError {
  return new NoError('INVALID_REQUEST', message, { details });
}

/** A tool's manifest, with the JSON Schema of its input generated from the Zod schema. */
export function toManifest(level: ToolLayerLevel, tool: ToolDefinition): ToolManifest {
  const inputSchema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return ToolManifestSchema.parse({
    name: tool.name,
    layer: level,
    capability: tool.capability,
    description: tool.description,
    inputSchema,
    mutating: tool.mutating,
  });
}

/**
 * A layer of tools behind one security gate. Prefer {@link createToolLayer}, which adds the level's
 * built-in tools; this builds a layer from exactly the tools given.
 *
 * @example
 * const layer = buildToolLayer('primitive', [myTool], { rateLimit: false });
 */
export function buildToolLayer(level: ToolLayerLevel, tools: readonly ToolDefinition[], options: ToolLayerOptions = {}): NoToolLayer {
  const capabilities: readonly ToolCapability[] = LAYER_CAPABILITIES[level];
  const registered = new Map<string, { tool: ToolDefinition; manifest: ToolManifest }>();
  const invoked = createListeners<EventEnvelope>();
  if (options.onEvent) invoked.on(options.onEvent);
  let policy = coercePolicy(options.policy);
  const now = options.now ?? Date.now;
  const audit = options.audit ?? createAuditTrail({ now: () => new Date(now()) });

  const gate = createGate({
    level,
    lookup: (name) => registered.get(name)?.tool,
    names: () => [...registered.keys()],
    policy: () => policy,
    limiter: coerceRateLimit(options.rateLimit, now),
    maxInputBytes: requireNumber('maxInputBytes', options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES, { min: 1, integer: true }),
    timeoutMs: requireNumber('timeoutMs', options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS, { min: 1, max: MAX_TIMER_MS, integer: true }),
    maxChainDepth: requireNumber('maxChainDepth', options.maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH, { min: 1, integer: true }),
    audit,
    // Nobody listening: the gate builds no event at all. A listener that throws cannot turn a finished
    // call into a failure (the listener rule), so the gate's result stands.
    get emit() {
      return invoked.size === 0 ? undefined : invoked.emit;
    },
    now: () => new Date(now()),
  });

  const layer: NoToolLayer = {
    level,
    audit,
    getCapabilities: () => [...capabilities],
    getAvailableTools: () => [...registered.values()].map((r) => r.manifest),
    getTool: (name) => registered.get(name)?.tool,
    invoke: (name, params, invokeOptions) => gate.invoke(name, params, invokeOptions),
    register(tool) {
      if (!capabilities.includes(tool.capability)) {
        throw invalid(`tool '${tool.name}' has capability '${tool.capability}', which the ${level} layer does not offer (${capabilities.join(', ')})`, {
          tool: tool.name,
          capability: tool.capability,
          layer: level,
        });
      }
      if (registered.has(tool.name)) throw invalid(`the ${level} layer already has a tool named '${tool.name}'`, { tool: tool.name, layer: level });
      if (tool.timeoutMs !== undefined) requireNumber(`timeoutMs of tool '${tool.name}'`, tool.timeoutMs, { min: 1, max: MAX_TIMER_MS, integer: true });
      let manifest: ToolManifest;
      try {
        manifest = toManifest(level, tool);
      } catch (error) {
        throw new NoError('INVALID_REQUEST', `tool '${tool.name}' has an invalid definition: ${(error as Error).message}`, { details: { tool: tool.name }, cause: error });
      }
      registered.set(tool.name, { tool, manifest });
    },
    onEvent: invoked.on,
    getPolicy: () => policy,
    setPolicy(next) {
      policy = coercePolicy(next);
    },
  };
  for (const tool of [...tools, ...(options.tools ?? [])]) layer.register(tool);
  return layer;
}
