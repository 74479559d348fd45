import type { EventPayload, EventType } from '../contracts/events.js';
import { recordAttemptFailed, recordAttemptStarted, recordRecovery, recordRunEnded } from '../telemetry/metrics.js';

/**
 * Counts what the loop's events say (attempts, failures, recovery decisions, run ends) into the
 * operator metrics. Fed the raw payload by the run emitter, before any envelope is built, so the
 * metrics cost one switch per event and never depend on someone listening to events.
 */
export function countLoopEvent<T extends EventType>(type: T, data: EventPayload<T>): void {
  switch (type) {
    case 'orchestration.task.started': {
      const d = data as EventPayload<'orchestration.task.started'>;
      if (d.agentId !== undefined) recordAttemptStarted(d.agentId);
      return;
    }
    case 'orchestration.task.failed': {
      const meta = (data as EventPayload<'orchestration.task.failed'>).metadata;
      // Failures of tasks that never ran carry no agent: they are counted as task outcomes instead.
      if (typeof meta?.['agentId'] === 'string') recordAttemptFailed(meta['agentId'], String(meta['classification'] ?? 'unknown'));
      return;
    }
    case 'no.recovery.action.taken': {
      const d = data as EventPayload<'no.recovery.action.taken'>;
      recordRecovery(d.action, d.level, d.agentId);
      return;
    }
    case 'no.run.completed':
      recordRunEnded((data as EventPayload<'no.run.completed'>).status);
      return;
    default:
      return;
  }
}
