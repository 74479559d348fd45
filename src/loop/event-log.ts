import type { EventEnvelope } from '../contracts/events.js';
import { NoError } from '../contracts/errors.js';
import type { Logger, LogLevel } from '../telemetry/logger.js';
import { redact } from '../telemetry/redact.js';

// What a task returned or a node updated is the user's data: its size and content are unknown, and
// it may be personal. A log line names the task; the checkpointer has the value.
const DATA_KEYS_LEFT_OUT = new Set(['result', 'update', 'input', 'steps', 'changes']);
// A payload field with a name the log line uses itself (a recovery's `level`) is kept as `data_<name>`.
const LINE_KEYS = new Set(['level', 'time', 'msg', 'event', 'runId', 'eventId', 'traceId', 'spanId']);

function levelOf(event: EventEnvelope): LogLevel {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'no.run.completed':
      return data['status'] === 'completed' ? 'info' : 'error';
    case 'orchestration.task.failed':
    case 'no.recovery.action.taken':
    case 'no.plan.revised':
      return 'warn';
    case 'no.task.compensated':
      return data['success'] === true ? 'warn' : 'error';
    case 'orchestration.coordination.started':
    case 'orchestration.plan.created':
    case 'no.schedule.adjusted':
      return 'info';
    default:
      return 'debug';
  }
}

function messageOf(event: EventEnvelope): string {
  const d = event.data as Record<string, unknown>;
  const task = typeof d['taskId'] === 'string' ? ` ${d['taskId']}` : '';
  const agent = typeof d['agentId'] === 'string' ? ` on ${d['agentId']}` : '';
  switch (event.type) {
    case 'no.run.completed':
      return `run ${String(d['status'])}`;
    case 'orchestration.task.failed':
      return `task${task} failed: ${String(d['error'])}`;
    case 'no.recovery.action.taken':
      return `task${task}: ${String(d['action'])} (${String(d['reason'])})`;
    default:
      return `${event.type}${task}${agent}`;
  }
}

/**
 * The loop's events as log lines: run ends at info (failed and cancelled at error), failures and
 * recovery decisions at warn, each task's steps at debug. Every line has the event type, the run id
 * and, when a span was active, the trace and span ids, so a line finds its trace.
 */
export function logEvents(logger: Logger): (event: EventEnvelope) => void {
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger?.[level] !== 'function') {
      throw new NoError('INVALID_REQUEST', `logger.${level} must be a function (obj, msg): pass a pino logger or jsonLogger(process.stdout)`, {
        details: { missing: level },
      });
    }
  }
  return (event) => {
    const fields: Record<string, unknown> = { event: event.type, runId: event.correlationId, eventId: event.id };
    if (event.traceparent) {
      const [, traceId, spanId] = event.traceparent.split('-');
      fields['traceId'] = traceId;
      fields['spanId'] = spanId;
    }
    for (const [key, value] of Object.entries(event.data as Record<string, unknown>)) {
      if (!DATA_KEYS_LEFT_OUT.has(key)) fields[LINE_KEYS.has(key) ? `data_${key}` : key] = redact(value);
    }
    logger[levelOf(event)](fields, messageOf(event));
  };
}
