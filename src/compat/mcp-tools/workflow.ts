import type { AgentDescriptorInput, AgentSchedule, ExecutionPlan, TaskInput } from '../../contracts/scheduler.js';
import { createIntelligenceScheduler, type IntelligenceScheduler } from '../../scheduler/index.js';
import { ToolCallError } from '../../tools/errors.js';
import { NO_STRATEGY_OF } from '../enums.js';
import type { WorkflowInput } from './schemas.js';

/** The capability a step pinned to one agent (by id or name) needs; only that agent offers it. */
export const pinnedCapability = (agentId: string): string => `agent:${agentId}`;

export interface WorkflowResult {
  workflowId: string;
  workflowName: string;
  goal: string;
  plan: Pick<ExecutionPlan, 'id' | 'strategy' | 'strategyReason' | 'order' | 'criticalPath' | 'criticalPathMs' | 'makespanMs' | 'lowerBoundMs' | 'schedule'>;
  assignment: Omit<AgentSchedule, 'planId'>;
  steps: { id: string; name: string; agent: string; status: string; dependsOn: string[]; requires: string; assignedAgent?: string; startMs?: number; endMs?: number }[];
  agents: { eligible: string[]; excluded: { id: string; reason: string }[] };
}

function dependenciesOf(input: WorkflowInput): Map<string, string[]> {
  const ids = input.steps.map((s) => s.id);
  const deps = new Map<string, string[]>(ids.map((id, i) => [id, i === 0 ? [] : [ids[i - 1] as string]]));
  const context = input.context;
  if (context?.parallel === true) for (const id of ids) deps.set(id, []);
  if (context?.dependencies !== undefined) {
    for (const id of ids) deps.set(id, []);
    for (const [id, on] of Object.entries(context.dependencies)) {
      if (!deps.has(id)) {
        throw new ToolCallError('INVALID_INPUT', `context.dependencies names step '${id}', which the workflow does not have`, { details: { path: `context.dependencies.${id}` } });
      }
      deps.set(id, [...new Set(on)]);
    }
  }
  return deps;
}

/**
 * Plans a workflow on the real scheduler: steps become tasks (each after the previous one unless
 * `context` says otherwise), `step.agent` becomes the capability the task needs (one agent's own when
 * it names an agent by id or name), agents become descriptors (offline ones excluded, busy ones
 * degraded), and the plan is assigned with scheduleAgents. Scheduler refusals (unknown dependency,
 * cycle...) surface as INVALID_INPUT with the scheduler's message.
 */
export function executeWorkflow(input: WorkflowInput, scheduler: IntelligenceScheduler = createIntelligenceScheduler()): WorkflowResult {
  const ids = new Set<string>();
  for (const step of input.steps) {
    if (ids.has(step.id)) throw new ToolCallError('INVALID_INPUT', `step id '${step.id}' is used more than once`, { details: { stepId: step.id } });
    ids.add(step.id);
  }
  const agentIds = new Set<string>();
  for (const agent of input.agents) {
    if (agentIds.has(agent.id)) throw new ToolCallError('INVALID_INPUT', `agent id '${agent.id}' is used more than once`, { details: { agentId: agent.id } });
    agentIds.add(agent.id);
  }
  const byIdOrName = new Map<string, string>();
  for (const agent of input.agents) byIdOrName.set(agent.name, agent.id);
  for (const agent of input.agents) byIdOrName.set(agent.id, agent.id); // an id wins over another agent's name

  const deps = dependenciesOf(input);
  const requires = (agent: string): string => {
    const pinned = byIdOrName.get(agent);
    return pinned === undefined ? agent : pinnedCapability(pinned);
  };
  const tasks: TaskInput[] = input.steps.map((step) => ({
    id: step.id,
    dependsOn: deps.get(step.id) as string[],
    estimatedDurationMs: step.status === 'completed' ? 0 : (step.estimatedDurationMs ?? 0),
    capability: requires(step.agent),
    priority: input.priority ?? 5,
    taskClass: 'workflow-step',
    input: { name: step.name, description: step.description },
  }));

  const usable = input.agents.filter((a) => a.status !== 'offline');
  const descriptors: AgentDescriptorInput[] = usable.map((a) => ({
    id: a.id,
    capabilities: [...new Set([pinnedCapability(a.id), ...(a.capabilities ?? []), ...(a.role ? [a.role] : [])])],
    health: a.status === 'busy' ? 'degraded' : 'healthy',
  }));

  let plan: ExecutionPlan;
  let schedule: AgentSchedule;
  try {
    plan = scheduler.planExecution({
      ...(input.workflowId ? { id: input.workflowId } : {}),
      tasks,
      strategy: NO_STRATEGY_OF[input.strategy ?? 'adaptive'],
      constraints: usable.length > 0 ? { maxConcurrentAgents: usable.length } : {},
      metadata: { taskClass: 'workflow', workflowName: input.workflowName },
    });
    schedule = scheduler.scheduleAgents(plan, descriptors);
  } catch (error) {
    const { code, message, details } = error as { code?: string; message: string; details?: Record<string, unknown> };
    throw new ToolCallError('INVALID_INPUT', message, { details: { ...details, cause: code }, cause: error });
  }

  const assigned = new Map(schedule.assignments.map((a) => [a.taskId, a]));
  return {
    workflowId: input.workflowId ?? plan.id,
    workflowName: input.workflowName,
    goal: input.goal,
    plan: {
      id: plan.id,
      strategy: plan.strategy,
      strategyReason: plan.strategyReason,
      order: plan.order,
      criticalPath: plan.criticalPath,
      criticalPathMs: plan.criticalPathMs,
      makespanMs: plan.makespanMs,
      lowerBoundMs: plan.lowerBoundMs,
      schedule: plan.schedule,
    },
    assignment: { assignments: schedule.assignments, unassigned: schedule.unassigned, makespanMs: schedule.makespanMs, utilization: schedule.utilization },
    steps: input.steps.map((step) => {
      const a = assigned.get(step.id);
      return {
        id: step.id,
        name: step.name,
        agent: step.agent,
        status: step.status ?? 'pending',
        dependsOn: deps.get(step.id) as string[],
        requires: requires(step.agent),
        ...(a ? { assignedAgent: a.agentId, startMs: a.startMs, endMs: a.endMs } : {}),
      };
    }),
    agents: {
      eligible: usable.map((a) => a.id),
      excluded: input.agents.filter((a) => a.status === 'offline').map((a) => ({ id: a.id, reason: 'offline' })),
    },
  };
}
