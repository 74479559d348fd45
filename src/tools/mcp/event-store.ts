import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** Events kept per session for SSE resumption; the oldest go first. @default 1000 */
export const DEFAULT_MAX_EVENTS = 1000;

/**
 * A bounded in-memory event store for one session: a client whose SSE stream dropped reconnects with
 * `Last-Event-ID` and gets what it missed (as long as it is still among the last `maxEvents`).
 * Event ids are `<stream>:<sequence>`, so the stream of an id is known without a lookup.
 */
export function createSessionEventStore(maxEvents: number = DEFAULT_MAX_EVENTS): EventStore {
  const events = new Map<string, { streamId: string; seq: number; message: JSONRPCMessage }>();
  let seq = 0;
  return {
    async storeEvent(streamId, message) {
      seq += 1;
      const id = `${streamId}:${seq}`;
      events.set(id, { streamId, seq, message });
      if (events.size > maxEvents) events.delete(events.keys().next().value as string);
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.get(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = events.get(lastEventId);
      if (last === undefined) return '';
      for (const [id, event] of [...events]) {
        // Priming events store `{}`: they mark a position and carry nothing to replay.
        if (event.streamId === last.streamId && event.seq > last.seq && 'jsonrpc' in event.message) await send(id, event.message);
      }
      return last.streamId;
    },
  };
}
