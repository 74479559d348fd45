import type { EventEnvelope, EventPayload, EventType } from '../contracts/events.js';
import type { Listeners } from '../contracts/listeners.js';
import { createEventEnvelope } from '../telemetry/events.js';
import { redactIfSecret } from '../telemetry/redact.js';
import { countLoopEvent } from './loop-metrics.js';

export type EventListener = (event: EventEnvelope) => void;

export interface RunEmitter {
  emit<T extends EventType>(type: T, data: EventPayload<T>, options?: { causationId?: string; subject?: string }): EventEnvelope;
}

export interface RunEmitterOptions {
  /** LangGraph's custom-stream writer (`config.writer`), when the run is streamed. */
  writer?: ((chunk: unknown) => void) | undefined;
  /** The loop's `onEvent` listeners; one that throws never breaks the run (the listener rule). */
  listeners: Listeners<EventEnvelope>;
  /** Every event of one run carries the run id as its correlation id. */
  correlationId: string;
  /** The run's LangGraph thread, sent as the `no-thread-id` header so a watcher can read the run's history. */
  threadId?: string | undefined;
  source?: string | undefined;
}

/** The envelope header that names the run's LangGraph thread. */
export const THREAD_ID_HEADER = 'no-thread-id';

/**
 * Sends each event to the custom stream and to the loop's listeners, as a CloudEvents envelope.
 * A payload holding a secret (a secret-named key, a key or token by its look, in a task's input, a
 * result or an error) is sent as a redacted copy, so listeners, logs and the dashboard never see it.
 */
export function createRunEmitter(options: RunEmitterOptions): RunEmitter {
  const headers = options.threadId === undefined ? undefined : { [THREAD_ID_HEADER]: options.threadId };
  return {
    emit(type, data, extra = {}) {
      countLoopEvent(type, data);
      // Nobody watching (no stream, no listener): nothing to redact for, and the check is skipped.
      const watched = options.writer !== undefined || options.listeners.size > 0;
      const envelope = createEventEnvelope(type, watched ? redactIfSecret(data) : data, {
        correlationId: options.correlationId,
        // The loop's payloads are typed by EventPayload<T>; the schema check is for events built elsewhere.
        validate: false,
        ...(headers === undefined ? {} : { headers }),
        ...(options.source === undefined ? {} : { source: options.source }),
        ...(extra.causationId === undefined ? {} : { causationId: extra.causationId }),
        ...(extra.subject === undefined ? {} : { subject: extra.subject }),
      });
      options.writer?.(envelope);
      options.listeners.emit(envelope);
      return envelope;
    },
  };
}
