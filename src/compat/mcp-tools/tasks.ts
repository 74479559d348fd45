import { randomUUID } from 'node:crypto';
import { ToolCallError } from '../../tools/errors.js';
import type { TASK_STATUSES, TaskManageInput } from './schemas.js';

export type ManagedTaskStatus = (typeof TASK_STATUSES)[number];
type Action = TaskManageInput['action'];

/** Which statuses a task may move to from each status; the three terminal ones go nowhere. */
export const TASK_TRANSITIONS: Readonly<Record<ManagedTaskStatus, readonly ManagedTaskStatus[]>> = {
  pending: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'],
  in_progress: ['in_progress', 'completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

/** The status each action moves a task to (`update` keeps it unless `task.status` names one). */
const TARGET: Readonly<Record<Exclude<Action, 'create' | 'update'>, ManagedTaskStatus>> = {
  progress: 'in_progress',
  complete: 'completed',
  fail: 'failed',
  cancel: 'cancelled',
};

/** Tasks kept at most by a store. @default 10 000 */
export const DEFAULT_MAX_TASKS = 10_000;
/** History entries kept per task. @default 100 */
export const DEFAULT_MAX_HISTORY = 100;

export interface ManagedTask {
  id: string;
  title: string;
  description?: string;
  priority: 'low' | 'medium' | 'high';
  status: ManagedTaskStatus;
  assignee?: string;
  tags: string[];
  metadata: Record<string, unknown>;
  progress?: { current: number; total: number; percentage: number; message?: string };
  createdAt: string;
  updatedAt: string;
  history: { action: Action; from?: ManagedTaskStatus; to: ManagedTaskStatus; at: string; actor?: string; reason?: string }[];
}

export interface TaskStore {
  get(id: string): ManagedTask | undefined;
  /** Applies one `orchestration.task.manage` call; returns the task after it. */
  apply(input: TaskManageInput): ManagedTask;
  size(): number;
}

const clone = (task: ManagedTask): ManagedTask => structuredClone(task);

/**
 * An in-memory task store with the current package's lifecycle: `create` makes a pending task;
 * `progress`, `complete`, `fail`, `cancel` move it (TASK_NOT_FOUND for an unknown id, INVALID_INPUT for
 * a move the lifecycle forbids, e.g. out of `completed`); `update` edits fields and may set a status.
 */
export function createTaskStore(options: { maxTasks?: number; now?: () => Date } = {}): TaskStore {
  const tasks = new Map<string, ManagedTask>();
  const maxTasks = options.maxTasks ?? DEFAULT_MAX_TASKS;
  const now = (): string => (options.now?.() ?? new Date()).toISOString();

  function create(input: TaskManageInput): ManagedTask {
    const id = input.task.id ?? `task-${randomUUID()}`;
    if (tasks.has(id)) throw new ToolCallError('INVALID_INPUT', `task '${id}' already exists; use action 'update'`, { details: { taskId: id } });
    if (tasks.size >= maxTasks) throw new ToolCallError('RATE_LIMITED', `the task store is full (${maxTasks} tasks)`, { details: { maxTasks }, retryable: false });
    const at = now();
    const { title, description, priority, assignee, tags, metadata } = input.task;
    const task: ManagedTask = {
      id, title, priority, status: 'pending', tags: tags ?? [], metadata: metadata ?? {}, createdAt: at, updatedAt: at,
      ...(description === undefined ? {} : { description }),
      ...(assignee === undefined ? {} : { assignee }),
      history: [{ action: 'create', to: 'pending', at, ...(input.audit?.actor ? { actor: input.audit.actor } : {}), ...(input.audit?.reason ? { reason: input.audit.reason } : {}) }],
    };
    tasks.set(id, task);
    return task;
  }

  function change(input: TaskManageInput): ManagedTask {
    const id = input.task.id;
    if (id === undefined) throw new ToolCallError('INVALID_INPUT', `action '${input.action}' needs task.id`, { details: { path: 'task.id' } });
    const task = tasks.get(id);
    if (task === undefined) throw new ToolCallError('TASK_NOT_FOUND', `no task '${id}'`, { details: { taskId: id } });
    const action = input.action as Exclude<Action, 'create'>;
    const to: ManagedTaskStatus = action === 'update' ? (input.task.status ?? task.status) : TARGET[action];
    if (!TASK_TRANSITIONS[task.status].includes(to)) {
      throw new ToolCallError('INVALID_INPUT', `task '${id}' cannot go from '${task.status}' to '${to}' (action '${action}')`, {
        details: { taskId: id, from: task.status, to, allowed: TASK_TRANSITIONS[task.status] },
      });
    }
    if (action === 'progress' && input.progress === undefined) {
      throw new ToolCallError('INVALID_INPUT', "action 'progress' needs progress { current, total }", { details: { path: 'progress' } });
    }
    const at = now();
    if (action === 'update') {
      const { title, description, priority, assignee, tags, metadata } = input.task;
      Object.assign(task, { title, priority }, description === undefined ? {} : { description }, assignee === undefined ? {} : { assignee });
      if (tags !== undefined) task.tags = tags;
      if (metadata !== undefined) task.metadata = { ...task.metadata, ...metadata };
    }
    if (input.progress !== undefined) {
      const { current, total, message } = input.progress;
      task.progress = { current, total, percentage: Math.round((current / total) * 100), ...(message === undefined ? {} : { message }) };
    }
    task.history.push({ action, from: task.status, to, at, ...(input.audit?.actor ? { actor: input.audit.actor } : {}), ...(input.audit?.reason ? { reason: input.audit.reason } : {}) });
    if (task.history.length > DEFAULT_MAX_HISTORY) task.history.splice(0, task.history.length - DEFAULT_MAX_HISTORY);
    task.status = to;
    task.updatedAt = at;
    return task;
  }

  return {
    get: (id) => {
      const task = tasks.get(id);
      return task === undefined ? undefined : clone(task);
    },
    apply: (input) => clone(input.action === 'create' ? create(input) : change(input)),
    size: () => tasks.size,
  };
}
