/**
 * "The current package" throughout this folder is `@cortex-os/orchestration` 1.0.0, the orchestration
 * package that langgraph-no replaces in place: its names, values and shapes are kept here so code
 * written against it compiles and behaves as before, built on the rest of langgraph-no.
 */
export {
  CerebrumAnnotation,
  CEREBRUM_NODES,
  cerebrumSpanName,
  createCerebrumGraphBuilder,
  createCerebrumGraph,
} from './cerebrum.js';
export type {
  CerebrumState,
  CerebrumUpdate,
  CerebrumNode,
  CerebrumGraphOptions,
  CerebrumBuilderOptions,
  CerebrumCompileOptions,
  CerebrumGraphBuilder,
  CerebrumGraph,
} from './cerebrum.js';
export {
  DEFAULT_CEREBRUM_PERSONA,
  PERSONA_REQUIREMENTS,
  personaViolations,
  personaPolicyError,
  assertPersona,
} from './persona.js';
export type { PersonaRequirement } from './persona.js';
export {
  CEREBRUM_PROVIDER_ORDER,
  DEFAULT_CEREBRUM_MODELS,
  UNKNOWN_MODEL,
  selectModel,
} from './model-selection.js';
export type { CerebrumProvider, SelectedModel, ProviderAvailability, ModelSelectionOptions } from './model-selection.js';
export {
  createOrchestrationBus,
  createInProcessTransport,
  ANY_EVENT_TYPE,
} from './bus.js';
export type {
  OrchestrationBus,
  OrchestrationBusOptions,
  OrchestrationPublishOptions,
  OrchestrationTransport,
  TransportHandler,
  InProcessTransportOptions,
  OrchestrationEventEnvelope,
  OrchestrationEventHandler,
  AnyEventHandler,
  OrchestrationHandlers,
  OrchestrationHandlerBinding,
  EnvelopeDrop,
  DropReason,
} from './bus.js';
export {
  name,
  version,
  AgentRole,
  AgentRoleSchema,
  OrchestrationStrategy,
  OrchestrationStrategySchema,
  NO_STRATEGY_OF,
  toNoStrategy,
  fromNoStrategy,
  OrchestrationDefaults,
  OrchestrationTaskStatus,
  Schemas,
} from './enums.js';
export type { CompatTask, CompatExecutionPlan } from './enums.js';
export { NO_TASK_STATUS_OF, toNoTaskStatus, fromNoTaskStatus } from './task-status.js';
export { OrchestrationEventTypes, ORCHESTRATION_EVENT_SCHEMAS } from '../contracts/events.js';
export { ToolErrorCode, ToolValidationError, createToolErrorResponse, toolErrorResponseSchema } from './tool-errors.js';
export type { ToolErrorResponse, ToolErrorResponseOptions, ToolValidationErrorOptions } from './tool-errors.js';
export { createNetworkTransport, DEFAULT_BUS_TOPIC } from './network-transport.js';
export type { NetworkTransportOptions } from './network-transport.js';

// The current package's three MCP tools, as handlers and as a dashboard layer (serving them over MCP
// is `createOrchestrationMcpServer` in langgraph-no/mcp, so the root entry never loads the MCP SDK).
export {
  orchestrationMcpTools,
  workflowOrchestrationTool,
  taskManagementTool,
  processMonitoringTool,
  createOrchestrationTools,
  createOrchestrationLayer,
} from './mcp-tools/tools.js';
export type { OrchestrationMcpTool, OrchestrationToolResponse, OrchestrationTools, OrchestrationToolsOptions } from './mcp-tools/tools.js';
export {
  WorkflowInputSchema,
  WorkflowStepSchema,
  WorkflowAgentSchema,
  WorkflowContextSchema,
  TaskManageInputSchema,
  TaskProgressSchema,
  ProcessMonitorInputSchema,
} from './mcp-tools/schemas.js';
export type { WorkflowInput, TaskManageInput, ProcessMonitorInput } from './mcp-tools/schemas.js';
export { executeWorkflow, pinnedCapability } from './mcp-tools/workflow.js';
export type { WorkflowResult } from './mcp-tools/workflow.js';
export { createTaskStore, TASK_TRANSITIONS, DEFAULT_MAX_TASKS } from './mcp-tools/tasks.js';
export type { TaskStore, ManagedTask, ManagedTaskStatus } from './mcp-tools/tasks.js';
export { monitorProcess, observeProcess, probePid, parseProc } from './mcp-tools/process.js';
export type { ProcessReport, ObservedProcess } from './mcp-tools/process.js';
