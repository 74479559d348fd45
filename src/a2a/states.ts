import { TASK_STATE, type TaskState } from './sdk.js';

/** A task state as a lowercase name (the v0.3 wire spelling), for errors, spans and audit records. */
export type A2ATaskStateName =
  | 'unspecified'
  | 'submitted'
  | 'working'
  | 'completed'
  | 'failed'
  | 'canceled'
  | 'input-required'
  | 'rejected'
  | 'auth-required'
  | 'unknown';

const NAMES: Record<number, A2ATaskStateName> = {
  [TASK_STATE.unspecified]: 'unspecified',
  [TASK_STATE.submitted]: 'submitted',
  [TASK_STATE.working]: 'working',
  [TASK_STATE.completed]: 'completed',
  [TASK_STATE.failed]: 'failed',
  [TASK_STATE.canceled]: 'canceled',
  [TASK_STATE.inputRequired]: 'input-required',
  [TASK_STATE.rejected]: 'rejected',
  [TASK_STATE.authRequired]: 'auth-required',
};

export function stateName(state: TaskState | undefined): A2ATaskStateName {
  return NAMES[state ?? TASK_STATE.unspecified] ?? 'unknown';
}

/** States after which a task never changes again. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([TASK_STATE.completed, TASK_STATE.failed, TASK_STATE.canceled, TASK_STATE.rejected]);

/** States in which the remote waits for something nO cannot give it (more input, credentials). */
export const INTERRUPTED_STATES: ReadonlySet<TaskState> = new Set([TASK_STATE.inputRequired, TASK_STATE.authRequired]);
