/// <reference types="node" preserve="true" />
// ── Serving a pool agent over A2A ────────────────────────────────────────────────────────────────
export { serveAgentOverA2A, DEFAULT_A2A_HOST, DEFAULT_A2A_PORT, DEFAULT_A2A_RPC_PATH, A2A_UNAUTHENTICATED_CODE } from './serve.js';
export type { ServeA2AOptions, A2AServerHandle } from './serve.js';
export type { ServerCloseOptions } from '../resilience/index.js';
export { buildAgentCard, bearerSecurity, A2A_MEDIA_TYPES, A2A_BEARER_SCHEME } from './card.js';
export type { AgentCardOptions } from './card.js';
export { createPoolAgentExecutor, CANCELED_BY_CLIENT } from './executor.js';
export type { PoolAgentExecutor, PoolAgentExecutorOptions } from './executor.js';

// ── A remote A2A agent in the pool ───────────────────────────────────────────────────────────────
export {
  createA2AAgent,
  agentIdFromName,
  agentCardUrl,
  DEFAULT_A2A_POLL_INTERVAL_MS,
  DEFAULT_A2A_CARD_TIMEOUT_MS,
  DEFAULT_A2A_CANCEL_TIMEOUT_MS,
} from './remote-agent.js';
export type { A2AAgentOptions } from './remote-agent.js';
export { A2ARemoteError, isA2ARemoteError, classifyingFetch } from './errors.js';
export type { A2ARemoteErrorOptions } from './errors.js';

// ── Wire mapping and names ───────────────────────────────────────────────────────────────────────
export { partsToValue, valueToParts, JSON_MEDIA_TYPE, TEXT_MEDIA_TYPE, TEXT_PART_SEPARATOR } from './parts.js';
export { A2A_SPAN_NAMES, A2A_ATTRIBUTES, A2A_METADATA_KEYS, A2A_AGENT_EXTENSION_URI } from './names.js';
export { stateName } from './states.js';
export type { A2ATaskStateName } from './states.js';
