/**
 * The current package's task statuses beside nO's one {@link TaskStatus}. The current names stay as
 * they were (OrchestrationTaskStatus on a CompatTask, the task manager's `in_progress`); these map them
 * to and from TaskStatus, so nO code never keeps a second status set.
 */
import { NoError } from '../contracts/errors.js';
import { TaskStatusSchema, type TaskStatus } from '../contracts/status.js';
import type { OrchestrationTaskStatus } from './enums.js';
import type { ManagedTaskStatus } from './mcp-tools/tasks.js';

/**
 * How each current status reads in nO: a task still planning or paused waits (`pending`); an executing
 * or in-progress one runs (`running`); the others have the same name in both.
 */
export const NO_TASK_STATUS_OF: Readonly<Record<OrchestrationTaskStatus | ManagedTaskStatus, TaskStatus>> = Object.freeze({
  pending: 'pending',
  planning: 'pending',
  paused: 'pending',
  executing: 'running',
  in_progress: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
});

/**
 * The nO status of a current task status (see {@link NO_TASK_STATUS_OF}); nO's own names pass
 * through, so it is safe to apply twice. Anything else is a NoError INVALID_INPUT.
 *
 * @example
 * toNoTaskStatus(OrchestrationTaskStatus.EXECUTING); // 'running'
 */
export function toNoTaskStatus(status: OrchestrationTaskStatus | ManagedTaskStatus | TaskStatus): TaskStatus {
  if (Object.hasOwn(NO_TASK_STATUS_OF, status)) return NO_TASK_STATUS_OF[status as keyof typeof NO_TASK_STATUS_OF];
  const own = TaskStatusSchema.safeParse(status);
  if (own.success) return own.data;
  throw new NoError('INVALID_INPUT', `unknown task status '${String(status)}'`, {
    details: { status, known: [...Object.keys(NO_TASK_STATUS_OF), ...TaskStatusSchema.options] },
  });
}

/**
 * The current status of an nO task status: `running` is `executing`, and `skipped` is `cancelled`
 * (the current package has no word for a task that will never run because a dependency failed).
 *
 * @example
 * fromNoTaskStatus('skipped'); // 'cancelled'
 */
export function fromNoTaskStatus(status: TaskStatus): OrchestrationTaskStatus {
  switch (status) {
    case 'running':
      return 'executing';
    case 'skipped':
      return 'cancelled';
    default:
      return status;
  }
}
