/**
 * Pins the current package's (`@cortex-os/orchestration` 1.0.0) 18 public value exports, as its own
 * snapshot test did: by name, and by kind and shape.
 */
import * as compat from '../../src/compat/index';

/** The 18 value exports of the current package, by name. */
export const CURRENT_EXPORTS = [
  'createCerebrumGraph',
  'createOrchestrationBus',
  'OrchestrationEventTypes',
  'ORCHESTRATION_EVENT_SCHEMAS',
  'AgentRole',
  'OrchestrationStrategy',
  'Schemas',
  'OrchestrationDefaults',
  'ToolErrorCode',
  'ToolValidationError',
  'createToolErrorResponse',
  'toolErrorResponseSchema',
  'orchestrationMcpTools',
  'workflowOrchestrationTool',
  'taskManagementTool',
  'processMonitoringTool',
  'name',
  'version',
] as const;
export type ExportName = (typeof CURRENT_EXPORTS)[number];

/** The ones the MCP tools module provides (src/tools/mcp/orchestration-tools.ts). */
export const MCP_TOOL_EXPORTS: readonly ExportName[] = [
  'orchestrationMcpTools',
  'workflowOrchestrationTool',
  'taskManagementTool',
  'processMonitoringTool',
];
export const COMPAT_EXPORTS = CURRENT_EXPORTS.filter((n) => !MCP_TOOL_EXPORTS.includes(n));

const EVENT_TYPES = {
  TaskCreated: 'orchestration.task.created',
  TaskStarted: 'orchestration.task.started',
  TaskCompleted: 'orchestration.task.completed',
  TaskFailed: 'orchestration.task.failed',
  AgentAssigned: 'orchestration.agent.assigned',
  AgentFreed: 'orchestration.agent.freed',
  PlanCreated: 'orchestration.plan.created',
  PlanUpdated: 'orchestration.plan.updated',
  CoordinationStarted: 'orchestration.coordination.started',
  DecisionMade: 'orchestration.decision.made',
  ResourceAllocated: 'orchestration.resource.allocated',
};
export const ROLES = ['planner', 'executor', 'coordinator', 'validator', 'monitor', 'specialist', 'worker'];
export const STRATEGIES = ['sequential', 'parallel', 'adaptive', 'hierarchical', 'reactive'];
const TOOL_CODES = ['TASK_NOT_FOUND', 'WORKFLOW_NOT_FOUND', 'INVALID_INPUT', 'PERMISSION_DENIED', 'RATE_LIMITED', 'INTERNAL_ERROR'];
const TOOL_NAMES = {
  workflowOrchestrationTool: 'orchestration.workflow.execute',
  taskManagementTool: 'orchestration.task.manage',
  processMonitoringTool: 'orchestration.process.monitor',
} as const;

const offline = { providers: { mlx: false, ollama: false, openai: false, anthropic: false } };
export const uuid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

export type Surface = Record<string, unknown>;
export type Check = (surface: Surface) => void | Promise<void>;
const get = <T = any>(surface: Surface, key: ExportName): T => surface[key] as T; // eslint-disable-line @typescript-eslint/no-explicit-any

export const CHECKS: Record<ExportName, Check> = {
  async createCerebrumGraph(s) {
    const create = get(s, 'createCerebrumGraph');
    expect(typeof create).toBe('function');
    const out = await create(offline).invoke({ input: 'hello' });
    expect(out.output).toBe('hello');
  },
  createOrchestrationBus(s) {
    const create = get(s, 'createOrchestrationBus');
    expect(typeof create).toBe('function');
    const bus = create();
    expect(typeof bus.publish).toBe('function');
    expect(typeof bus.publishEnvelope).toBe('function');
    expect(typeof bus.bind).toBe('function');
  },
  OrchestrationEventTypes(s) {
    expect(get(s, 'OrchestrationEventTypes')).toEqual(EVENT_TYPES);
  },
  ORCHESTRATION_EVENT_SCHEMAS(s) {
    const schemas = get<Record<string, { safeParse: unknown }>>(s, 'ORCHESTRATION_EVENT_SCHEMAS');
    expect(Object.keys(schemas).sort()).toEqual(Object.values(EVENT_TYPES).sort());
    for (const schema of Object.values(schemas)) expect(typeof schema.safeParse).toBe('function');
  },
  AgentRole(s) {
    const roles = get<Record<string, string>>(s, 'AgentRole');
    expect(Object.values(roles)).toEqual(ROLES);
    expect(Object.keys(roles)).toEqual(ROLES.map((r) => r.toUpperCase()));
    expect(roles['PLANNER']).toBe('planner');
    expect(Object.isFrozen(roles)).toBe(true);
  },
  OrchestrationStrategy(s) {
    const strategies = get<Record<string, string>>(s, 'OrchestrationStrategy');
    expect(Object.values(strategies)).toEqual(STRATEGIES);
    expect(Object.keys(strategies)).toEqual(STRATEGIES.map((r) => r.toUpperCase()));
    expect(Object.isFrozen(strategies)).toBe(true);
  },
  Schemas(s) {
    const schemas = get<Record<string, { safeParse: unknown }>>(s, 'Schemas');
    expect(Object.keys(schemas).sort()).toEqual(['ExecutionPlan', 'Task']);
    for (const schema of Object.values(schemas)) expect(typeof schema.safeParse).toBe('function');
  },
  OrchestrationDefaults(s) {
    const defaults = get(s, 'OrchestrationDefaults');
    expect(defaults).toStrictEqual({
      maxConcurrentOrchestrations: 10,
      defaultStrategy: 'adaptive',
      planningTimeout: 300000,
      executionTimeout: 1800000,
      qualityThreshold: 0.8,
      confidenceThreshold: 0.7,
    });
    expect(Object.isFrozen(defaults)).toBe(true);
  },
  ToolErrorCode(s) {
    const codes = get<Record<string, string>>(s, 'ToolErrorCode');
    expect(Object.values(codes)).toEqual(TOOL_CODES);
    expect(Object.keys(codes)).toEqual(TOOL_CODES);
  },
  ToolValidationError(s) {
    const ErrorClass = get(s, 'ToolValidationError');
    expect(typeof ErrorClass).toBe('function');
    const error = new ErrorClass('bad input');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.name).toBe('ToolValidationError');
    expect(error.message).toBe('bad input');
  },
  createToolErrorResponse(s) {
    const create = get(s, 'createToolErrorResponse');
    expect(typeof create).toBe('function');
    const response = create('TASK_NOT_FOUND', 'no task', { details: { taskId: 't' }, retryable: false });
    expect(response).toEqual({ code: 'TASK_NOT_FOUND', message: 'no task', details: { taskId: 't' }, retryable: false, timestamp: expect.any(String) });
    expect(get(s, 'toolErrorResponseSchema').safeParse(response).success).toBe(true);
  },
  toolErrorResponseSchema(s) {
    const schema = get(s, 'toolErrorResponseSchema');
    expect(schema.safeParse({ code: 'RATE_LIMITED', message: 'slow down', timestamp: new Date().toISOString() }).success).toBe(true);
    expect(schema.safeParse({ code: 'NOPE', message: 'x', timestamp: 'now' }).success).toBe(false);
    expect(schema.safeParse({ code: 'INTERNAL_ERROR', message: 'x' }).success).toBe(false);
  },
  orchestrationMcpTools(s) {
    const tools = get<Array<{ name: string }>>(s, 'orchestrationMcpTools');
    expect(Array.isArray(tools)).toBe(true);
    expect(tools.map((t) => t.name)).toEqual(Object.values(TOOL_NAMES));
    expect(tools).toEqual([s['workflowOrchestrationTool'], s['taskManagementTool'], s['processMonitoringTool']]);
  },
  workflowOrchestrationTool(s) {
    expect(get(s, 'workflowOrchestrationTool').name).toBe(TOOL_NAMES.workflowOrchestrationTool);
  },
  taskManagementTool(s) {
    expect(get(s, 'taskManagementTool').name).toBe(TOOL_NAMES.taskManagementTool);
  },
  processMonitoringTool(s) {
    expect(get(s, 'processMonitoringTool').name).toBe(TOOL_NAMES.processMonitoringTool);
  },
  name(s) {
    expect(s['name']).toBe('@cortex-os/orchestration');
  },
  version(s) {
    expect(s['version']).toBe('1.0.0');
  },
};

