import { AgentIdSchema } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';
import { createListeners } from '../contracts/listeners.js';
import { DEFAULT_PHI_MIN_STDDEV_MS, DEFAULT_PHI_THRESHOLD, DEFAULT_PHI_WINDOW, newPhiState, phiOf, recordArrival, type PhiState } from './phi.js';

/** @default 5000 — an agent with no heartbeat for this long is unreachable. */
export const DEFAULT_HEARTBEAT_TTL_MS = 5_000;

export type AgentStatus = 'online' | 'degraded' | 'unreachable';
const RANK: Record<AgentStatus, number> = { online: 0, degraded: 1, unreachable: 2 };

/** A registered agent as plain data. `status` is the effective one (liveness applied). */
export interface AgentRecord {
  id: string;
  capabilities: string[];
  metadata: Record<string, unknown>;
  status: AgentStatus;
  /** What the agent last said about itself; `status` is `unreachable` when liveness fails. */
  declaredStatus: AgentStatus;
  load: number;
  registeredAt: number;
  lastHeartbeatAt: number;
  phi: number;
}

export interface RegisterInput {
  id: string;
  capabilities?: string[];
  metadata?: Record<string, unknown>;
  /** @default 'online' */
  status?: AgentStatus;
  /** @default 0 */
  load?: number;
}

export interface AgentQuery {
  capability?: string;
  /** Only these statuses; by default online and degraded (unreachable agents are left out). */
  status?: AgentStatus | AgentStatus[];
}

export type RegistryChange =
  | { type: 'registered' | 'deregistered'; agent: AgentRecord }
  | { type: 'status'; agent: AgentRecord; previous: AgentStatus };

export interface AgentRegistryOptions {
  /** @default DEFAULT_HEARTBEAT_TTL_MS */
  heartbeatTtlMs?: number;
  /** @default DEFAULT_PHI_THRESHOLD */
  phiThreshold?: number;
  /** @default DEFAULT_PHI_WINDOW */
  phiWindow?: number;
  /** @default DEFAULT_PHI_MIN_STDDEV_MS */
  phiMinStdDevMs?: number;
  /** Clock in ms. @default Date.now */
  now?: () => number;
}

export interface AgentRegistry {
  /** Adds an agent, or updates one with the same id. Counts as a heartbeat. */
  register(input: RegisterInput): AgentRecord;
  deregister(id: string): boolean;
  /** Throws `NoError('AGENT_NOT_FOUND')` for an unknown agent. */
  heartbeat(id: string, update?: { load?: number; status?: Exclude<AgentStatus, 'unreachable'> }): AgentRecord;
  get(id: string): AgentRecord | undefined;
  list(): AgentRecord[];
  /** Agents with the capability, healthiest first (online, degraded), then lower load, then id. */
  findAgents(query?: AgentQuery): Promise<AgentRecord[]>;
  isReachable(id: string): boolean;
  /** Re-evaluates liveness now, telling listeners about every change; returns the unreachable ids. */
  check(): string[];
  /** Called with every change; a listener's error is rethrown on a microtask, never into the change. */
  onChange(listener: (change: RegistryChange) => void): () => void;
}

interface Entry {
  record: Omit<AgentRecord, 'status' | 'phi'>;
  phi: PhiState;
  reported: AgentStatus;
}

function invalid(message: string, details: Record<string, unknown>): NoError {
  return new NoError('INVALID_INPUT', message, { details });
}

/**
 * Agents, their capabilities and liveness. Liveness comes from heartbeats: an agent is unreachable
 * when its last heartbeat is older than the ttl or the phi-accrual detector's phi passes its threshold.
 *
 * @example
 * const registry = createAgentRegistry({ heartbeatTtlMs: 5000 });
 * registry.register({ id: 'analyst', capabilities: ['data-analysis'] });
 * const [best] = await registry.findAgents({ capability: 'data-analysis' });
 */
export function createAgentRegistry(options: AgentRegistryOptions = {}): AgentRegistry {
  const ttl = options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
  const threshold = options.phiThreshold ?? DEFAULT_PHI_THRESHOLD;
  const window = options.phiWindow ?? DEFAULT_PHI_WINDOW;
  const minStd = options.phiMinStdDevMs ?? DEFAULT_PHI_MIN_STDDEV_MS;
  const now = options.now ?? Date.now;
  const agents = new Map<string, Entry>();
  const changes = createListeners<RegistryChange>();
  const view = (entry: Entry, at: number): AgentRecord => {
    const phi = phiOf(entry.phi, at, minStd);
    const down = entry.record.declaredStatus === 'unreachable' || at - entry.record.lastHeartbeatAt > ttl || phi > threshold;
    return { ...entry.record, capabilities: [...entry.record.capabilities], status: down ? 'unreachable' : entry.record.declaredStatus, phi };
  };
  /** The current view of one agent, reporting a status change once. */
  const refresh = (entry: Entry, at = now()): AgentRecord => {
    const agent = view(entry, at);
    if (agent.status !== entry.reported) {
      const previous = entry.reported;
      entry.reported = agent.status;
      changes.emit({ type: 'status', agent, previous });
    }
    return agent;
  };
  const requireLoad = (load: number | undefined, id: string): void => {
    if (load !== undefined && !(Number.isFinite(load) && load >= 0)) {
      throw invalid(`load must be a finite number >= 0, got ${load}`, { id, load });
    }
  };

  const registry: AgentRegistry = {
    register(input) {
      if (!AgentIdSchema.safeParse(input.id).success) throw invalid(`invalid agent id ${JSON.stringify(input.id)}`, { id: input.id });
      const capabilities = input.capabilities ?? [];
      if (!capabilities.every((c) => typeof c === 'string' && c.length > 0)) {
        throw invalid('capabilities must be non-empty strings', { id: input.id });
      }
      requireLoad(input.load, input.id);
      const at = now();
      const previous = agents.get(input.id);
      const phi = previous?.phi ?? newPhiState();
      recordArrival(phi, at, window);
      const record = {
        id: input.id,
        capabilities: [...new Set(capabilities)],
        metadata: { ...(input.metadata ?? {}) },
        declaredStatus: input.status ?? 'online',
        load: input.load ?? 0,
        registeredAt: previous?.record.registeredAt ?? at,
        lastHeartbeatAt: at,
      };
      const entry: Entry = { record, phi, reported: view({ record, phi, reported: 'online' }, at).status };
      agents.set(input.id, entry);
      const agent = view(entry, at);
      changes.emit({ type: 'registered', agent });
      return agent;
    },
    deregister(id) {
      const entry = agents.get(id);
      if (!entry) return false;
      agents.delete(id);
      changes.emit({ type: 'deregistered', agent: view(entry, now()) });
      return true;
    },
    heartbeat(id, update = {}) {
      const entry = agents.get(id);
      if (!entry) throw new NoError('AGENT_NOT_FOUND', `no agent ${id} is registered`, { details: { agentId: id } });
      requireLoad(update.load, id);
      const at = now();
      recordArrival(entry.phi, at, window);
      entry.record.lastHeartbeatAt = at;
      if (update.load !== undefined) entry.record.load = update.load;
      entry.record.declaredStatus = update.status ?? (entry.record.declaredStatus === 'unreachable' ? 'online' : entry.record.declaredStatus);
      return refresh(entry, at);
    },
    get(id) {
      const entry = agents.get(id);
      return entry ? refresh(entry) : undefined;
    },
    list() {
      const at = now();
      return [...agents.values()].map((entry) => refresh(entry, at));
    },
    async findAgents(query = {}) {
      const wanted = query.status === undefined ? ['online', 'degraded'] : [query.status].flat();
      return registry.list()
        .filter((a) => wanted.includes(a.status) && (query.capability === undefined || a.capabilities.includes(query.capability)))
        .sort((a, b) => RANK[a.status] - RANK[b.status] || a.load - b.load || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    isReachable(id) {
      const entry = agents.get(id);
      return entry !== undefined && refresh(entry).status !== 'unreachable';
    },
    check() {
      return registry.list().filter((a) => a.status === 'unreachable').map((a) => a.id);
    },
    onChange: changes.on,
  };
  return registry;
}
