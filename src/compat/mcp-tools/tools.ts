/**
 * The current package's three MCP tools (`orchestration.workflow.execute`, `orchestration.task.manage`,
 * `orchestration.process.monitor`), with their names, input shapes and response shape, backed by nO's
 * scheduler, an in-memory task store and this machine's process table.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { parseWith } from '../../contracts/validate.js';
import { createIntelligenceScheduler, type IntelligenceScheduler } from '../../scheduler/index.js';
import { toToolError } from '../../tools/errors.js';
import { buildToolLayer, type NoToolLayer, type ToolLayerOptions } from '../../tools/layer.js';
import { jsonText } from '../../tools/mcp/content.js';
import type { ToolDefinition } from '../../tools/tool.js';
import { monitorProcess } from './process.js';
import { ProcessMonitorInputSchema, TaskManageInputSchema, WorkflowInputSchema } from './schemas.js';
import { createTaskStore, type TaskStore } from './tasks.js';
import { executeWorkflow } from './workflow.js';

/** What a current-package tool handler resolves to (never rejects). */
export interface OrchestrationToolResponse {
  content: { type: 'text'; text: string }[];
  metadata: { correlationId: string; timestamp: string; tool: string };
  isError?: true;
}

/** A current-package MCP tool: name, description, Zod input schema and a handler. */
export interface OrchestrationMcpTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: S;
  /**
   * Validates `params` (a failure is an INVALID_INPUT response naming every bad field), runs the tool
   * and answers `{ content: [{ type: 'text', text: JSON }], metadata }`, with `isError: true` and the
   * typed error `{ code, message, details?, retryable?, timestamp }` as the text on failure.
   */
  handler(params: unknown, options?: { correlationId?: string }): Promise<OrchestrationToolResponse>;
}

export interface OrchestrationToolsOptions {
  /** The scheduler workflows are planned on. @default a new createIntelligenceScheduler() */
  scheduler?: IntelligenceScheduler;
  /** Where task.manage keeps tasks. @default a new createTaskStore() */
  tasks?: TaskStore;
  /** Where process facts are read. @default '/proc' */
  procRoot?: string;
}

export interface OrchestrationTools {
  workflowOrchestrationTool: OrchestrationMcpTool<typeof WorkflowInputSchema>;
  taskManagementTool: OrchestrationMcpTool<typeof TaskManageInputSchema>;
  processMonitoringTool: OrchestrationMcpTool<typeof ProcessMonitorInputSchema>;
  /** The same three as ToolDefinitions of a dashboard layer (so they are served behind the gate). */
  definitions: ToolDefinition[];
}

function tool<S extends z.ZodType>(name: string, description: string, inputSchema: S, run: (input: z.infer<S>) => Promise<unknown>): OrchestrationMcpTool<S> {
  return {
    name,
    description,
    inputSchema,
    async handler(params, options = {}) {
      const metadata = { correlationId: options.correlationId ?? randomUUID(), timestamp: new Date().toISOString(), tool: name };
      try {
        const input = parseWith(inputSchema, params, { code: 'INVALID_INPUT', what: `input for tool '${name}'` });
        return { content: [{ type: 'text', text: jsonText(await run(input)) }], metadata };
      } catch (error) {
        return { content: [{ type: 'text', text: jsonText(toToolError(error)) }], metadata, isError: true };
      }
    },
  };
}

/**
 * A fresh set of the three tools sharing one scheduler and one task store.
 *
 * @example
 * const { taskManagementTool } = createOrchestrationTools();
 * await taskManagementTool.handler({ action: 'create', task: { id: 't1', title: 'Write docs' } });
 */
export function createOrchestrationTools(options: OrchestrationToolsOptions = {}): OrchestrationTools {
  let scheduler = options.scheduler;
  const tasks = options.tasks ?? createTaskStore();
  const runWorkflow = async (input: z.infer<typeof WorkflowInputSchema>): Promise<unknown> =>
    executeWorkflow(input, (scheduler ??= createIntelligenceScheduler()));
  const runTask = async (input: z.infer<typeof TaskManageInputSchema>): Promise<unknown> => ({ action: input.action, task: tasks.apply(input) });
  const runProcess = (input: z.infer<typeof ProcessMonitorInputSchema>): Promise<unknown> => monitorProcess(input, options.procRoot);

  const workflow = {
    name: 'orchestration.workflow.execute',
    description: 'Plans a multi-agent workflow: steps become a DAG (in order unless context.dependencies says otherwise), planned and assigned to the available agents by capability.',
  };
  const task = {
    name: 'orchestration.task.manage',
    description: 'Creates a task or moves it through its lifecycle (update, progress, complete, fail, cancel).',
  };
  const proc = {
    name: 'orchestration.process.monitor',
    description: 'Reports on a process against its thresholds and what this machine observes for its pid.',
  };
  return {
    workflowOrchestrationTool: tool(workflow.name, workflow.description, WorkflowInputSchema, runWorkflow),
    taskManagementTool: tool(task.name, task.description, TaskManageInputSchema, runTask),
    processMonitoringTool: tool(proc.name, proc.description, ProcessMonitorInputSchema, runProcess),
    definitions: [
      { ...workflow, capability: 'reporting', input: WorkflowInputSchema, mutating: false, run: runWorkflow },
      { ...task, capability: 'reporting', input: TaskManageInputSchema, mutating: true, run: runTask },
      { ...proc, capability: 'monitoring', input: ProcessMonitorInputSchema, mutating: false, run: runProcess },
    ] as ToolDefinition[],
  };
}

const shared = createOrchestrationTools();
/** `orchestration.workflow.execute`, sharing the module's scheduler. */
export const workflowOrchestrationTool = shared.workflowOrchestrationTool;
/** `orchestration.task.manage`, sharing the module's task store. */
export const taskManagementTool = shared.taskManagementTool;
/** `orchestration.process.monitor`. */
export const processMonitoringTool = shared.processMonitoringTool;
/** The three, in the current package's order. */
export const orchestrationMcpTools: readonly OrchestrationMcpTool[] = Object.freeze([
  workflowOrchestrationTool,
  taskManagementTool,
  processMonitoringTool,
] as OrchestrationMcpTool[]);

/** A dashboard layer holding exactly the three tools (open by default, as dashboard layers are). */
export function createOrchestrationLayer(options: OrchestrationToolsOptions & ToolLayerOptions = {}): NoToolLayer {
  return buildToolLayer('dashboard', createOrchestrationTools(options).definitions, options);
}
