import { performance } from 'node:perf_hooks';
import { SpanStatusCode } from '@opentelemetry/api';
import type { EventEnvelope } from '../contracts/events.js';
import type { ToolError, ToolLayerLevel, ToolResult } from '../contracts/tools.js';
import { parseWith } from '../contracts/validate.js';
import { timeout } from '../resilience/timeout.js';
import { createEventEnvelope, GENAI_ATTRIBUTES, GENAI_OPERATIONS, getNoTracer, recordToolDuration, recordToolInvocation, SPAN_NAMES, withSpan, type AuditTrail } from '../telemetry/index.js';
import { errorResult, toolError, toToolError } from './errors.js';
import { decide, type ToolPolicy } from './policy.js';
import type { RateLimiter } from './rate-limit.js';
import type { InvokeOptions, ToolDefinition } from './tool.js';

/** The caller when none is named. */
export const DEFAULT_CALLER = 'anonymous';
/** Serialized params above this are refused. @default 1 MiB */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;
/** Per-call timeout when neither the tool nor the layer sets one. @default 30 s */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
/** A tool calling a tool calling a tool... stops at this depth. @default 8 */
export const DEFAULT_MAX_CHAIN_DEPTH = 8;
/** Params up to this size are copied into the audit record (redacted); larger ones only by size. */
export const DEFAULT_AUDIT_PARAMS_BYTES = 4096;

/** The span attributes of `no.tool.invoke`. */
export const TOOL_SPAN_ATTRIBUTES = {
  layer: 'no.tool.layer',
  name: 'no.tool.name',
  caller: 'no.tool.caller',
  success: 'success',
} as const;

/** Where a call stopped: a gate check that refused it, or `run` when the tool ran. */
export type GateStage = 'lookup' | 'chain-depth' | 'aborted' | 'policy' | 'rate-limit' | 'size' | 'schema' | 'run';

export interface GateConfig {
  level: ToolLayerLevel;
  lookup(name: string): ToolDefinition | undefined;
  names(): string[];
  policy(): ToolPolicy;
  limiter: RateLimiter | undefined;
  maxInputBytes: number;
  timeoutMs: number;
  maxChainDepth: number;
  audit: AuditTrail;
  /** Called only when someone listens, so no envelope is built for nobody. */
  emit: ((event: EventEnvelope) => void) | undefined;
  now: () => Date;
}

export interface Gate {
  invoke(name: string, params: unknown, options?: InvokeOptions, depth?: number): Promise<ToolResult>;
}

interface Outcome {
  result: ToolResult;
  stage: GateStage;
  capability?: string;
  paramsBytes?: number;
}

function serialize(params: unknown): { json: string; bytes: number } | undefined {
  try {
    const json = JSON.stringify(params) ?? '';
    return { json, bytes: Buffer.byteLength(json, 'utf8') };
  } catch {
    return undefined;
  }
}

/**
 * The one security gate every call passes (direct, chained, orchestrated, LangChain, MCP): it finds the
 * tool, checks the caller's permission, the rate limit, the input size and the schema, in that order,
 * and only then runs the tool under a timeout. Refusals return a typed error and run nothing. Every
 * call, refused or not, leaves an audit record, a span, a counter increment and an event.
 */
export function createGate(config: GateConfig): Gate {
  const { level } = config;

  async function attempt(name: string, params: unknown, caller: string, signal: AbortSignal | undefined, depth: number, started: number): Promise<Outcome> {
    const elapsed = (): number => performance.now() - started;
    const refuse = (stage: GateStage, error: ToolError, capability?: string, paramsBytes?: number): Outcome => ({
      result: errorResult(name, level, error, elapsed()),
      stage,
      ...(capability === undefined ? {} : { capability }),
      ...(paramsBytes === undefined ? {} : { paramsBytes }),
    });
    const err = (code: ToolError['code'], message: string, details?: unknown, retryable?: boolean): ToolError =>
      toolError(code, message, { details, ...(retryable === undefined ? {} : { retryable }), now: config.now });

    const tool = config.lookup(name);
    if (tool === undefined) {
      return refuse('lookup', err('TOOL_NOT_FOUND', `unknown tool '${name}' in the ${level} layer`, { tool: name, available: config.names() }));
    }
    const { capability } = tool;
    if (depth > config.maxChainDepth) {
      return refuse('chain-depth', err('INVALID_INPUT', `tool chain deeper than ${config.maxChainDepth} calls`, { reason: 'chain-depth', maxChainDepth: config.maxChainDepth }), capability);
    }
    if (signal?.aborted) return refuse('aborted', err('INTERNAL_ERROR', 'the call was aborted before it started', { reason: 'aborted' }, false), capability);
    const decision = decide(config.policy(), { caller, layer: level, capability, tool: name });
    if (decision.effect === 'deny') {
      return refuse('policy', err('PERMISSION_DENIED', `caller '${caller}' may not call '${name}': ${decision.reason}`, { ...decision }), capability);
    }
    const rate = config.limiter?.take(`${caller}\u0000${name}`);
    if (rate !== undefined && !rate.ok) {
      return refuse('rate-limit', err('RATE_LIMITED', `caller '${caller}' exceeded the rate limit of '${name}'; retry after ${rate.retryAfterMs} ms`, { retryAfterMs: rate.retryAfterMs }, true), capability);
    }
    const size = serialize(params);
    if (size === undefined) return refuse('size', err('INVALID_INPUT', `params of '${name}' are not JSON-serializable`, { reason: 'not-serializable' }), capability);
    if (size.bytes > config.maxInputBytes) {
      return refuse('size', err('INVALID_INPUT', `params of '${name}' are ${size.bytes} bytes, over the limit of ${config.maxInputBytes}`, { reason: 'too-large', bytes: size.bytes, maxInputBytes: config.maxInputBytes }), capability, size.bytes);
    }
    let input: unknown;
    try {
      input = parseWith(tool.input, params, { code: 'INVALID_INPUT', what: `input for tool '${name}'` });
    } catch (error) {
      return refuse('schema', toToolError(error, config.now), capability, size.bytes);
    }

    const ms = tool.timeoutMs ?? config.timeoutMs;
    // The GenAI conventions' span for the tool's own run, inside the gate's span.
    const genAi = {
      [GENAI_ATTRIBUTES.operationName]: GENAI_OPERATIONS.executeTool,
      [GENAI_ATTRIBUTES.toolName]: name,
      [GENAI_ATTRIBUTES.toolType]: 'function',
      [GENAI_ATTRIBUTES.agentId]: caller,
    };
    try {
      const data = await withSpan(`${GENAI_OPERATIONS.executeTool} ${name}`, genAi, () => timeout(ms).execute(
        ({ signal: callSignal }) =>
          tool.run(input, {
            caller,
            signal: callSignal,
            layer: level,
            invoke: (next, nextParams) => gate.invoke(next, nextParams, { caller, signal: callSignal }, depth + 1),
          }),
        signal,
      ));
      const result: ToolResult = { ok: true, tool: name, layer: level, type: tool.resultType ?? 'data', data, durationMs: elapsed() };
      return { result, stage: 'run', capability, paramsBytes: size.bytes };
    } catch (error) {
      return { result: errorResult(name, level, toToolError(error, config.now), elapsed()), stage: 'run', capability, paramsBytes: size.bytes };
    }
  }

  function record(name: string, caller: string, params: unknown, depth: number, outcome: Outcome): void {
    const { result, stage } = outcome;
    const details: Record<string, unknown> = { layer: level, tool: name, stage, success: result.ok, durationMs: result.durationMs };
    if (outcome.capability !== undefined) details['capability'] = outcome.capability;
    if (!result.ok) details['errorCode'] = result.error.code;
    if (depth > 0) details['depth'] = depth;
    if (outcome.paramsBytes !== undefined) {
      details['paramsBytes'] = outcome.paramsBytes;
      if (outcome.paramsBytes <= DEFAULT_AUDIT_PARAMS_BYTES) details['params'] = params;
    }
    const auditOutcome = stage !== 'run' ? 'denied' : result.ok ? 'success' : 'failure';
    config.audit.append({ actor: caller, action: 'tool.invoke', outcome: auditOutcome, details });
    // A name nobody registered is the caller's text: it would be a new series per typo or probe.
    const toolLabel = stage === 'lookup' ? '(unknown)' : name;
    recordToolInvocation({ layer: level, tool_name: toolLabel, success: result.ok });
    recordToolDuration(result.durationMs / 1000, { layer: level, tool_name: toolLabel });
    if (config.emit !== undefined) {
      const data = { layer: level, tool: name === '' ? '(empty)' : name, caller, success: result.ok, durationMs: result.durationMs };
      config.emit(createEventEnvelope('no.tool.layer.invoked', result.ok ? data : { ...data, errorCode: result.error.code }, { now: config.now }));
    }
  }

  const gate: Gate = {
    invoke(name, params, options = {}, depth = 0) {
      const caller = options.caller === undefined || options.caller === '' ? DEFAULT_CALLER : options.caller;
      const attributes = { [TOOL_SPAN_ATTRIBUTES.layer]: level, [TOOL_SPAN_ATTRIBUTES.name]: name, [TOOL_SPAN_ATTRIBUTES.caller]: caller };
      return getNoTracer().startActiveSpan(SPAN_NAMES.toolInvoke, { attributes }, async (span) => {
        const outcome = await attempt(name, params, caller, options.signal, depth, performance.now());
        const { result } = outcome;
        span.setAttribute(TOOL_SPAN_ATTRIBUTES.success, result.ok);
        if (result.ok) span.setStatus({ code: SpanStatusCode.OK });
        else span.setStatus({ code: SpanStatusCode.ERROR, message: `${result.error.code}: ${result.error.message}` });
        try {
          record(name, caller, params, depth, outcome);
        } finally {
          span.end();
        }
        return result;
      });
    },
  };
  return gate;
}
