import { ExecutionStatusSchema, NO_EVENT_SCHEMAS, NoEventTypes, RunStatusSchema, TaskStatusSchema } from '../../src/contracts/index';
import { VisualizeInputSchema } from '../../src/tools/dashboard/visualize-tool';

describe('task and run status', () => {
  it('has one task status set, and a run status that is that set less skipped', () => {
    expect(TaskStatusSchema.options).toEqual(['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled']);
    expect(RunStatusSchema.options).toEqual(TaskStatusSchema.options.filter((s) => s !== 'skipped'));
  });

  it("keeps the monitor's run state and the run-completed event inside the run status", () => {
    const state = ExecutionStatusSchema.shape.state.options;
    expect(state).toEqual(['pending', 'running', 'completed', 'failed']);
    const ended = NO_EVENT_SCHEMAS[NoEventTypes.RunCompleted].shape.status.options;
    expect(ended).toEqual(['completed', 'failed', 'cancelled']);
    for (const status of [...state, ...ended]) expect(RunStatusSchema.safeParse(status).success).toBe(true);
  });

  it('lets the dashboard colour a task by every task status and by nothing else', () => {
    const input = (status: string) => ({ plan: { tasks: [{ id: 'a' }] }, statuses: { a: status } });
    for (const status of TaskStatusSchema.options) expect(VisualizeInputSchema.safeParse(input(status)).success).toBe(true);
    expect(VisualizeInputSchema.safeParse(input('in_progress')).success).toBe(false);
  });
});
