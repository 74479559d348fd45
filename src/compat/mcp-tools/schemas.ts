/** Input schemas of the current package's three MCP tools, with its field names, limits and values. */
import { z } from 'zod';
import type { TaskStatus } from '../../contracts/status.js';
import { AgentRoleSchema, OrchestrationStrategySchema } from '../enums.js';

/** A workflow step's status: nO task statuses, the four the current package offered. */
export const STEP_STATUSES = ['pending', 'running', 'completed', 'failed'] as const satisfies readonly TaskStatus[];
export const AGENT_STATUSES = ['available', 'busy', 'offline'] as const;
export const TASK_ACTIONS = ['create', 'update', 'progress', 'complete', 'fail', 'cancel'] as const;
/** The task manager's statuses, as the current package named them (toNoTaskStatus maps them to nO's). */
export const TASK_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
export const PROCESS_STATUSES = ['running', 'sleeping', 'stopped', 'zombie', 'waiting'] as const;
/** Linux's largest pid_max (2^22); also keeps `process.kill` inside int32. */
export const MAX_PID = 4_194_304;

const text = (max: number) => z.string().trim().min(1).max(max);
/** Free-form metadata: a JSON object of at most 64 keys (the gate also caps the whole input's size). */
const MetadataSchema = z.record(z.string().min(1).max(120), z.unknown()).refine((m) => Object.keys(m).length <= 64, 'at most 64 keys');

export const WorkflowStepSchema = z.object({
  id: text(128),
  name: text(160),
  description: text(1024),
  /** The agent that runs the step: an agent's id or name, else a capability or role an agent must offer. */
  agent: text(160),
  status: z.enum(STEP_STATUSES).optional(),
  estimatedDurationMs: z.number().int().positive().max(86_400_000).optional(),
});

export const WorkflowAgentSchema = z.object({
  id: text(128),
  name: text(160),
  role: AgentRoleSchema.optional(),
  status: z.enum(AGENT_STATUSES).optional(),
  capabilities: z.array(text(128)).max(64).optional(),
  metadata: MetadataSchema.optional(),
});

/**
 * `context.dependencies` ({ stepId: [stepIds] }) replaces the default "each step after the previous
 * one"; `context.parallel: true` drops it (steps independent).
 */
export const WorkflowContextSchema = z
  .object({
    dependencies: z.record(z.string(), z.array(z.string()).max(50)).optional(),
    parallel: z.boolean().optional(),
  })
  .catchall(z.unknown());

export const WorkflowInputSchema = z.object({
  workflowId: text(128).min(3).optional(),
  workflowName: text(180),
  goal: text(4096),
  steps: z.array(WorkflowStepSchema).min(1).max(50),
  agents: z.array(WorkflowAgentSchema).min(1).max(32),
  strategy: OrchestrationStrategySchema.optional(),
  priority: z.number().int().min(1).max(10).optional(),
  context: WorkflowContextSchema.optional(),
  metadata: MetadataSchema.optional(),
});
export type WorkflowInput = z.infer<typeof WorkflowInputSchema>;

export const TaskProgressSchema = z
  .object({ current: z.number().int().min(0), total: z.number().int().positive(), message: text(512).optional() })
  .refine((p) => p.current <= p.total, { message: 'current cannot exceed total', path: ['current'] });

export const TaskManageInputSchema = z.object({
  action: z.enum(TASK_ACTIONS).default('create'),
  task: z.object({
    id: text(128).optional(),
    title: text(160),
    description: z.string().max(2048).optional(),
    priority: z.enum(['low', 'medium', 'high']).default('medium'),
    status: z.enum(TASK_STATUSES).optional(),
    assignee: text(160).optional(),
    tags: z.array(text(64)).max(32).optional(),
    metadata: MetadataSchema.optional(),
  }),
  progress: TaskProgressSchema.optional(),
  audit: z.object({ actor: text(160), reason: z.string().max(512).optional() }).optional(),
});
export type TaskManageInput = z.infer<typeof TaskManageInputSchema>;

export const ProcessMonitorInputSchema = z.object({
  process: z.object({
    pid: z.number().int().positive().max(MAX_PID),
    name: text(160),
    status: z.enum(PROCESS_STATUSES).optional(),
    /** Reported CPU use, percent. */
    cpu: z.number().min(0).max(100).optional(),
    memoryMb: z.number().min(0).optional(),
    startedAt: z.iso.datetime().optional(),
    metadata: MetadataSchema.optional(),
  }),
  /** Alert when the process uses more. @default { cpu: 85, memoryMb: 1024 } */
  thresholds: z.object({ cpu: z.number().min(1).max(100).default(85), memoryMb: z.number().min(1).default(1024) }).optional(),
  workflowId: text(128).min(3).optional(),
});
export type ProcessMonitorInput = z.infer<typeof ProcessMonitorInputSchema>;
