import type { ToolDefinition } from '../tool.js';
import { agentStatusTool } from './agent-status-tool.js';
import { metricSummaryTool } from './metric-summary-tool.js';
import { performanceTool } from './performance-tool.js';
import type { PlanLookup } from './plans.js';
import { visualizeTool } from './visualize-tool.js';

export interface DashboardToolsOptions {
  /**
   * Resolves a `planId` input to a stored plan; unknown ids fail with WORKFLOW_NOT_FOUND.
   * Without it, only plans passed inline can be used.
   */
  plans?: PlanLookup;
}

/**
 * The dashboard layer's built-in tools: visualization, reporting, monitoring and metrics.
 *
 * @example
 * const plans = new Map<string, ExecutionPlan>();
 * const dashboard = createToolLayer('dashboard', { plans: (id) => plans.get(id) });
 */
export function dashboardTools(options: DashboardToolsOptions = {}): ToolDefinition[] {
  return [visualizeTool(options.plans), performanceTool(options.plans), agentStatusTool(), metricSummaryTool()];
}

export type { PlanLookup } from './plans.js';
export { DEFAULT_MAX_DASHBOARD_TASKS } from './plans.js';
export { visualizeTool, statusesFromEvents, PlanViewSchema, VisualizeInputSchema } from './visualize-tool.js';
export { performanceTool, attemptsOf, PerformanceInputSchema, UNASSIGNED_AGENT } from './performance-tool.js';
export { agentStatusTool, agentHealth, AgentStatusInputSchema } from './agent-status-tool.js';
export type { AgentHealthLevel } from './agent-status-tool.js';
export { metricSummaryTool, summarize, MetricSummaryInputSchema, DEFAULT_MAX_SERIES_VALUES } from './metric-summary-tool.js';
export type { SeriesSummary } from './metric-summary-tool.js';
