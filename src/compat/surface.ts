/**
 * The current package's (`@cortex-os/orchestration` 1.0.0) public value exports, gathered in one
 * place. The root module re-exports them, so `import { ... } from 'langgraph-no'` keeps every name
 * the current package's snapshot test pins.
 */
export { createCerebrumGraph } from './cerebrum.js';
export { createOrchestrationBus } from './bus.js';
export { OrchestrationEventTypes, ORCHESTRATION_EVENT_SCHEMAS } from '../contracts/events.js';
export { AgentRole, OrchestrationStrategy, Schemas, OrchestrationDefaults, name, version } from './enums.js';
export { ToolErrorCode, ToolValidationError, createToolErrorResponse, toolErrorResponseSchema } from './tool-errors.js';
export { orchestrationMcpTools, workflowOrchestrationTool, taskManagementTool, processMonitoringTool } from './mcp-tools/tools.js';
