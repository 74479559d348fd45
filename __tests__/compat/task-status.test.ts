import { fromNoTaskStatus, NO_TASK_STATUS_OF, OrchestrationTaskStatus, toNoTaskStatus } from '../../src/compat/index';
import { isNoError, TaskStatusSchema } from '../../src/contracts/index';
import { TASK_STATUSES } from '../../src/compat/mcp-tools/schemas';
import { thrown } from '../helpers/errors';

describe('the current task statuses beside the one TaskStatus', () => {
  it('keeps the current values as they were', () => {
    expect(Object.values(OrchestrationTaskStatus)).toEqual(['pending', 'planning', 'executing', 'completed', 'failed', 'cancelled', 'paused']);
    expect(TASK_STATUSES).toEqual(['pending', 'in_progress', 'completed', 'failed', 'cancelled']);
  });

  it('maps every current status, of a CompatTask or of the task manager, to an nO status', () => {
    expect(Object.values(OrchestrationTaskStatus).map(toNoTaskStatus)).toEqual(['pending', 'pending', 'running', 'completed', 'failed', 'cancelled', 'pending']);
    expect(TASK_STATUSES.map(toNoTaskStatus)).toEqual(['pending', 'running', 'completed', 'failed', 'cancelled']);
    expect(Object.isFrozen(NO_TASK_STATUS_OF)).toBe(true);
  });

  it("passes nO's own statuses through and refuses anything else", () => {
    for (const status of TaskStatusSchema.options) expect(toNoTaskStatus(status)).toBe(status);
    const error = thrown(() => toNoTaskStatus('sleeping' as never));
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(thrown(() => toNoTaskStatus('toString' as never)).code).toBe('INVALID_INPUT');
  });

  it('names every nO status the current way, and round-trips', () => {
    const current = new Set<string>(Object.values(OrchestrationTaskStatus));
    for (const status of TaskStatusSchema.options) {
      const back = fromNoTaskStatus(status);
      expect(current.has(back)).toBe(true);
      if (status !== 'skipped') expect(toNoTaskStatus(back)).toBe(status);
    }
    expect(fromNoTaskStatus('skipped')).toBe('cancelled');
  });
});
