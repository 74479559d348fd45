import { z } from 'zod';

/**
 * Where one task of a run stands. The loop's task records, the execution monitor, the plan pictures and
 * the dashboard all speak of a task's status in this one set. `skipped`: it never ran because a task it
 * depends on did not complete; `cancelled`: the run was stopped before or while it ran.
 */
export const TaskStatusSchema = z.enum(['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatusSchema>;

/** Where a run stands: the task statuses less `skipped`, since a run that was asked for always starts. */
export const RunStatusSchema = TaskStatusSchema.exclude(['skipped']);
export type RunStatus = z.infer<typeof RunStatusSchema>;
