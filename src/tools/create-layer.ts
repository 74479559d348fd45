import type { ToolLayerLevel } from '../contracts/tools.js';
import { NoError } from '../contracts/errors.js';
import { dashboardTools, type DashboardToolsOptions } from './dashboard/index.js';
import { executionTools, type ExecutionToolsOptions } from './execution/index.js';
import { buildToolLayer, type NoToolLayer, type ToolLayerOptions } from './layer.js';
import { primitiveTools, type PrimitiveToolsOptions } from './primitive/index.js';
import type { ToolDefinition } from './tool.js';

/** Options of a primitive layer. */
export type PrimitiveLayerOptions = ToolLayerOptions & PrimitiveToolsOptions;
/** Options of an execution layer: the sandbox (root, commands, hosts...) plus the gate's. */
export type ExecutionLayerOptions = ToolLayerOptions & ExecutionToolsOptions;
/** Options of a dashboard layer. */
export type DashboardLayerOptions = ToolLayerOptions & DashboardToolsOptions;
export type CreateToolLayerOptions = PrimitiveLayerOptions | ExecutionLayerOptions | DashboardLayerOptions;

function builtins(level: ToolLayerLevel, options: Partial<ExecutionLayerOptions> & PrimitiveLayerOptions & DashboardLayerOptions): ToolDefinition[] {
  if (level === 'primitive') return primitiveTools(options.store === undefined ? {} : { store: options.store });
  if (level === 'dashboard') return dashboardTools(options.plans === undefined ? {} : { plans: options.plans });
  if (level === 'execution') {
    if (options.root === undefined) throw new NoError('INVALID_REQUEST', "an execution layer needs a sandbox 'root', the folder its tools may touch: createToolLayer('execution', { root: './workspace', commands: ['ls'], hosts: [] })", { details: { layer: level } });
    return executionTools(options as ExecutionToolsOptions);
  }
  throw new NoError('INVALID_REQUEST', `unknown tool layer '${String(level)}': the levels are 'primitive', 'execution' or 'dashboard'`, { details: { layer: level } });
}

/**
 * A layer of tools with its built-in ones, behind one security gate (schema, policy, rate limit,
 * size limit, timeout, audit). Extra tools go in `options.tools` or `layer.register(tool)`.
 *
 * @example
 * const execution = createToolLayer('execution', { root: './workspace', commands: ['git', 'ls'], hosts: [],
 *   policy: { rules: [{ caller: 'agent-1', layer: 'execution', effect: 'allow' }] } });
 * const result = await execution.invoke('file-system-operation', { operation: 'read', path: 'notes.md' }, { caller: 'agent-1' });
 */
export function createToolLayer(level: 'execution', options: ExecutionLayerOptions): NoToolLayer;
export function createToolLayer(level: 'primitive', options?: PrimitiveLayerOptions): NoToolLayer;
export function createToolLayer(level: 'dashboard', options?: DashboardLayerOptions): NoToolLayer;
export function createToolLayer(level: ToolLayerLevel, options?: CreateToolLayerOptions): NoToolLayer;
export function createToolLayer(level: ToolLayerLevel, options: CreateToolLayerOptions = {} as CreateToolLayerOptions): NoToolLayer {
  return buildToolLayer(level, builtins(level, options), options);
}
