import type { EventEnvelope, EventPayload, EventType } from '../contracts/events.js';
import { createEventEnvelope } from '../telemetry/events.js';

export type EventListener = (event: EventEnvelope) => void;

export interface RunEmitter {
  emit<T extends EventType>(type: T, data: EventPayload<T>, options?: { causationId?: string; subject?: string }): EventEnvelope;
  /** Listener errors so far; a failing listener never breaks the run. */
  readonly listenerErrors: readonly unknown[];
}

export interface RunEmitterOptions {
  /** LangGraph's custom-stream writer (`config.writer`), when the run is streamed. */
  writer?: ((chunk: unknown) => void) | undefined;
  listeners: Iterable<EventListener>;
  /** Every event of one run carries the run id as its correlation id. */
  correlationId: string;
  source?: string | undefined;
}

/** Sends each event to the custom stream and to the loop's listeners, as a CloudEvents envelope. */
export function createRunEmitter(options: RunEmitterOptions): RunEmitter {
  const listenerErrors: unknown[] = [];
  return {
    listenerErrors,
    emit(type, data, extra = {}) {
      const envelope = createEventEnvelope(type, data, {
        correlationId: options.correlationId,
        ...(options.source === undefined ? {} : { source: options.source }),
        ...(extra.causationId === undefined ? {} : { causationId: extra.causationId }),
        ...(extra.subject === undefined ? {} : { subject: extra.subject }),
      });
      options.writer?.(envelope);
      for (const listener of options.listeners) {
        try {
          listener(envelope);
        } catch (error) {
          listenerErrors.push(error);
        }
      }
      return envelope;
    },
  };
}
