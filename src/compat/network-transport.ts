import type { EventEnvelope } from '../contracts/events.js';
import type { AgentNetwork } from '../network/index.js';
import { ANY_EVENT_TYPE, type OrchestrationTransport } from './bus.js';

/** The topic the bus's envelopes travel on. @default 'orchestration-events' */
export const DEFAULT_BUS_TOPIC = 'orchestration-events';

export interface NetworkTransportOptions {
  network: AgentNetwork;
  /** The bus's identity on the network: it signs what the bus publishes and subscribes as it. */
  agentId: string;
  /** @default DEFAULT_BUS_TOPIC */
  topic?: string;
}

/**
 * Carries the current package's bus on the agent network: each envelope is published as a signed
 * topic message (verified on receipt, held for partitioned or unreachable subscribers, refused when
 * forged), and each bus subscription is a topic subscription that picks out its event type.
 *
 * @example
 * const bus = createOrchestrationBus({ transport: createNetworkTransport({ network, agentId: 'orchestrator' }) });
 */
export function createNetworkTransport(options: NetworkTransportOptions): OrchestrationTransport {
  const { network, agentId } = options;
  const topic = options.topic ?? DEFAULT_BUS_TOPIC;
  return {
    async publish(envelope) {
      await network.broadcast(agentId, {
        topic,
        type: envelope.type,
        payload: envelope,
        ...(envelope.correlationId === undefined ? {} : { correlationId: envelope.correlationId.slice(0, 128) }),
        ...(envelope.causationId === undefined ? {} : { causationId: envelope.causationId.slice(0, 128) }),
      });
    },
    subscribe(type, handler) {
      return network.subscribe(
        topic,
        async (message) => {
          if (type === ANY_EVENT_TYPE || message.type === type) await handler(message.payload as EventEnvelope);
        },
        { as: agentId },
      );
    },
  };
}
