// ── Layers, the gate and the registry ────────────────────────────────────────────────────────────
export { defineTool } from './tool.js';
export type { ToolDefinition, ToolContext, ToolLayer, InvokeOptions } from './tool.js';
export { createToolLayer } from './create-layer.js';
export type {
  CreateToolLayerOptions,
  PrimitiveLayerOptions,
  ExecutionLayerOptions,
  DashboardLayerOptions,
} from './create-layer.js';
export { buildToolLayer, toManifest } from './layer.js';
export type { ToolLayerOptions, NoToolLayer } from './layer.js';
export {
  createGate,
  DEFAULT_CALLER,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_TOOL_TIMEOUT_MS,
  DEFAULT_MAX_CHAIN_DEPTH,
  DEFAULT_AUDIT_PARAMS_BYTES,
  TOOL_SPAN_ATTRIBUTES,
} from './gate.js';
export type { Gate, GateConfig, GateStage } from './gate.js';
export { decide, coercePolicy, PolicyRuleSchema, ToolPolicySchema, DEFAULT_LAYER_EFFECT } from './policy.js';
export type { PolicyRule, ToolPolicy, ToolPolicyInput, PolicyRequest, PolicyDecision } from './policy.js';
export { tokenBucket, coerceRateLimit, DEFAULT_RATE_LIMIT, DEFAULT_MAX_BUCKETS } from './rate-limit.js';
export type { RateLimiter, RateLimitOptions, RateDecision } from './rate-limit.js';
export { ToolCallError, isToolCallError, toolError, toToolError, errorResult } from './errors.js';
export type { ToolCallErrorOptions } from './errors.js';
export { createToolRegistry } from './registry.js';
export type { ToolRegistry, ToolQuery, RegistryInvokeOptions } from './registry.js';

// ── Orchestration and LangChain ──────────────────────────────────────────────────────────────────
export { createToolOrchestrator, DEFAULT_MAX_PARALLEL } from './orchestrator.js';
export type { ToolOrchestrator, ToolOrchestratorOptions, ChainStep, ExecuteChainOptions, StepParams } from './orchestrator.js';
export type { ChainResult } from './chain-result.js';
export { createToolStats } from './tool-stats.js';
export type { ToolStats, ToolStatsTracker } from './tool-stats.js';
export { toLangChainTools, toLangChainName, toolResultText } from './langchain.js';
export type { ToLangChainToolsOptions } from './langchain.js';

// ── Built-in tools ───────────────────────────────────────────────────────────────────────────────
export {
  primitiveTools,
  createKeyValueStore,
  evaluateExpression,
  parseExpression,
  DEFAULT_MAX_KEYS,
  DEFAULT_MAX_EXPRESSION_DEPTH,
  DEFAULT_MAX_EXPRESSION_LENGTH,
} from './primitive/index.js';
export type { PrimitiveToolsOptions, KeyValueStore, KeyValueStoreOptions, KvEntry, TransactionOp, ExpressionNode, ExpressionLimits } from './primitive/index.js';
export { dashboardTools, summarize, agentHealth } from './dashboard/index.js';
export type { DashboardToolsOptions, PlanLookup, SeriesSummary, AgentHealthLevel } from './dashboard/index.js';

// ── Execution layer (owned by the execution-tools work) ──────────────────────────────────────────
export { executionTools, sandboxStatus, DEFAULT_BWRAP_PATHS } from './execution/index.js';
export type { ExecutionToolsOptions, BubblewrapOptions, SandboxStatus } from './execution/index.js';
