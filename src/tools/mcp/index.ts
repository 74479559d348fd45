// ── Serving a layer over MCP ─────────────────────────────────────────────────────────────────────
export { serveToolLayer, createLayerMcpServer, defaultCaller, DEFAULT_STDIO_CALLER, DEFAULT_HTTP_CALLER, DEFAULT_CLIENT_CALLER } from './server.js';
export type { ServeToolLayerOptions, LayerMcpServerOptions, McpCallerInfo, McpCallerOption, McpServerHandle } from './server.js';
export {
  createMcpHttpHandler,
  listenMcpHttp,
  defaultAllowedHosts,
  LOCALHOST_NAMES,
  DEFAULT_MCP_PATH,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_SESSIONS_PER_CLIENT,
  DEFAULT_SESSION_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETRY_INTERVAL_MS,
} from './http.js';
export type { McpHttpOptions, McpHttpHandler } from './http.js';
export { createSessionEventStore, DEFAULT_MAX_EVENTS } from './event-store.js';
export { toMcpTool, toCallToolResult } from './content.js';

// ── Mounting external MCP servers into a layer ───────────────────────────────────────────────────
export { mountMcpServer, localToolName } from './mount.js';
export type { McpServerSource, MountOptions, MountedMcpServer } from './mount.js';
export { inputSchemaOf, fromRemoteResult, fromClientError, PERMISSIVE_INPUT } from './remote-result.js';

// ── The current package's three orchestration tools ─────────────────────────────────────────────
export {
  orchestrationMcpTools,
  workflowOrchestrationTool,
  taskManagementTool,
  processMonitoringTool,
  createOrchestrationTools,
  createOrchestrationLayer,
  createOrchestrationMcpServer,
} from './orchestration-tools.js';
export type { OrchestrationMcpTool, OrchestrationToolResponse, OrchestrationTools, OrchestrationToolsOptions } from './orchestration-tools.js';
export {
  WorkflowInputSchema,
  WorkflowStepSchema,
  WorkflowAgentSchema,
  WorkflowContextSchema,
  TaskManageInputSchema,
  TaskProgressSchema,
  ProcessMonitorInputSchema,
} from './orchestration-schemas.js';
export type { WorkflowInput, TaskManageInput, ProcessMonitorInput } from './orchestration-schemas.js';
export { executeWorkflow, SCHEDULER_STRATEGY_OF, pinnedCapability } from './orchestration-workflow.js';
export type { WorkflowResult } from './orchestration-workflow.js';
export { createTaskStore, TASK_TRANSITIONS, DEFAULT_MAX_TASKS } from './orchestration-tasks.js';
export type { TaskStore, ManagedTask, TaskStatus } from './orchestration-tasks.js';
export { monitorProcess, observeProcess, probePid, parseProc } from './orchestration-process.js';
export type { ProcessReport, ObservedProcess } from './orchestration-process.js';
