import { A2A_PROTOCOL_VERSION, type AgentCard, type AgentSkill } from './sdk.js';
import type { AgentDefinition } from '../loop/agents.js';
import { PACKAGE_VERSION } from '../version.js';
import { A2A_AGENT_EXTENSION_URI } from './names.js';
import { JSON_MEDIA_TYPE, TEXT_MEDIA_TYPE } from './parts.js';

export interface AgentCardOptions {
  /** @default the agent's id */
  name?: string;
  /** @default `metadata.description` when it is a string, else a sentence naming the capabilities */
  description?: string;
  /** @default PACKAGE_VERSION */
  version?: string;
  /**
   * Also speak A2A v0.3 (`message/send`, `message/stream`, `tasks/get`, `tasks/cancel`, and the v0.3
   * card shape for requests without an `A2A-Version` header), for peers not yet on v1.0.
   * @default true
   */
  legacyV03?: boolean;
}

/** The A2A version older peers speak; served beside v1.0 unless `legacyV03` is false. */
export const A2A_LEGACY_PROTOCOL_VERSION = '0.3';

/** Media types a served agent takes and gives. */
export const A2A_MEDIA_TYPES: readonly string[] = [JSON_MEDIA_TYPE, TEXT_MEDIA_TYPE];

function jsonSafe(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? {})) as unknown;
  } catch {
    return {};
  }
}

function skillOf(agent: AgentDefinition, capability: string): AgentSkill {
  return {
    id: capability,
    name: capability,
    description: `Runs '${capability}' tasks on nO agent '${agent.id}'.`,
    tags: [capability],
    examples: [],
    inputModes: [...A2A_MEDIA_TYPES],
    outputModes: [...A2A_MEDIA_TYPES],
    securityRequirements: [],
  };
}

/** The name of the bearer scheme in a protected server's card. */
export const A2A_BEARER_SCHEME = 'bearer';

/**
 * The card fields of a server that wants `Authorization: Bearer <token>` on every JSON-RPC request:
 * one HTTP bearer security scheme, required (A2A v1.0 `securitySchemes` / `securityRequirements`;
 * v0.3 clients get it as `securitySchemes` / `security`).
 */
export function bearerSecurity(): Pick<AgentCard, 'securitySchemes' | 'securityRequirements'> {
  return {
    securitySchemes: {
      [A2A_BEARER_SCHEME]: {
        scheme: {
          $case: 'httpAuthSecurityScheme',
          value: { description: 'Send Authorization: Bearer <token> with every JSON-RPC request; the agent card is public.', scheme: 'Bearer', bearerFormat: '' },
        },
      },
    },
    securityRequirements: [{ schemes: { [A2A_BEARER_SCHEME]: { list: [] } } }],
  };
}

/**
 * The agent card of a pool agent served over A2A: one skill per capability, streaming on, the
 * JSON-RPC endpoint at `rpcUrl`, and an `A2A_AGENT_EXTENSION_URI` extension (not required) whose
 * params carry the agent's id, capabilities, concurrency and JSON-safe metadata.
 *
 * @example
 * const card = buildAgentCard(agent, 'http://127.0.0.1:4000/a2a', { name: 'Summarizer' });
 */
export function buildAgentCard(agent: AgentDefinition, rpcUrl: string, options: AgentCardOptions = {}): AgentCard {
  const described = agent.metadata?.['description'];
  const description =
    options.description ?? (typeof described === 'string' ? described : `nO agent '${agent.id}' (${agent.capabilities.join(', ')}).`);
  return {
    name: options.name ?? agent.id,
    description,
    version: options.version ?? PACKAGE_VERSION,
    supportedInterfaces: [
      { url: rpcUrl, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_PROTOCOL_VERSION },
      ...(options.legacyV03 === false ? [] : [{ url: rpcUrl, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: A2A_LEGACY_PROTOCOL_VERSION }]),
    ],
    provider: undefined,
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extendedAgentCard: false,
      extensions: [
        {
          uri: A2A_AGENT_EXTENSION_URI,
          description: 'The nO pool agent behind this card.',
          required: false,
          params: {
            agentId: agent.id,
            capabilities: [...agent.capabilities],
            maxConcurrency: agent.maxConcurrency ?? 1,
            metadata: jsonSafe(agent.metadata),
          },
        },
      ],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: [...A2A_MEDIA_TYPES],
    defaultOutputModes: [...A2A_MEDIA_TYPES],
    skills: agent.capabilities.map((capability) => skillOf(agent, capability)),
    signatures: [],
  };
}
