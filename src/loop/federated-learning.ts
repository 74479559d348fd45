import type { BaseStore, Item } from '@langchain/langgraph';
import { z } from 'zod';
import type { AgentState } from '../contracts/loop.js';
import { parseWith } from '../contracts/validate.js';
import {
  addEvidence,
  adaptiveDelta,
  AdaptiveStateSchema,
  DEFAULT_PRIOR,
  emptyContribution,
  mergeAdaptiveStates,
  parseContribution,
  type AdaptiveContribution,
  type AdaptiveState,
} from '../scheduler/index.js';
import type { AuditTrail } from '../telemetry/audit.js';
import type { AgentPool } from './agent-pool.js';
import { initialAgentState, migrateAgentState } from './agent-state.js';

/** Where each loop keeps its own share of what was learned; readers sum every key's share. */
export const FEDERATED_NAMESPACES = {
  adaptive: ['langgraph-no', 'adaptive-contributions'],
  agentHealth: ['langgraph-no', 'agent-health'],
} as const;
/** The single shared state older versions wrote (read once as a base, never written). */
const LEGACY_ADAPTIVE = { namespace: ['langgraph-no', 'adaptive'], key: 'engine' } as const;
const PAGE = 1_000;

const CountsSchema = z.object({ successes: z.number().int(), failures: z.number().int(), restarts: z.number().int() });
type Counts = z.infer<typeof CountsSchema>;
/** One loop's share of every agent's counters. */
export const HealthContributionSchema = z.object({ version: z.literal(1), contributor: z.string().min(1), agents: z.record(z.string(), CountsSchema) });
export type HealthContribution = z.infer<typeof HealthContributionSchema>;

async function searchAll(store: BaseStore, namespace: readonly string[]): Promise<Item[]> {
  const out: Item[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.search([...namespace], { limit: PAGE, offset });
    // A prefix search also returns deeper namespaces: only this one's keys are contributions.
    out.push(...page.filter((item) => item.namespace.length === namespace.length));
    if (page.length < PAGE) return out;
  }
}

const parseHealth = (value: unknown): HealthContribution =>
  parseWith(HealthContributionSchema, value, { code: 'STATE_MIGRATION_FAILED', what: `agent health share in the Store (${FEDERATED_NAMESPACES.agentHealth.join('/')}); delete the key to drop it` });

const countsOf = (s: AgentState): Counts => ({ successes: s.totalSuccesses, failures: s.totalFailures, restarts: s.restarts });

/**
 * One loop's part in federated learning. The loop writes only its own key (its `learningId`) in each
 * namespace and keeps that share in memory, so two loops, in one process or many, on one Store never
 * overwrite each other: a reader sums every share, and counts come out exactly the sum of what each
 * loop learned.
 */
export interface LearningLedger {
  readonly contributor: string;
  /** Everyone's adaptive evidence merged (this loop's share from memory); undefined when none exists. */
  adaptiveState(store: BaseStore): Promise<AdaptiveState | undefined>;
  /** Adds the step from `before` to `after` to this loop's share and stores it. */
  recordAdaptive(store: BaseStore, before: AdaptiveState | undefined, after: AdaptiveState): Promise<void>;
  /** Loads the agents' states with every loop's counters summed into them. */
  restoreHealth(store: BaseStore, pool: AgentPool, stored: Record<string, unknown>): Promise<void>;
  /** Adds the pool's counters since the last sync to this loop's share and stores it. */
  recordHealth(store: BaseStore, pool: AgentPool): Promise<void>;
}

export interface LedgerOptions {
  contributor: string;
  /** Where another loop's share that does not parse is recorded (it is left out of the merge). */
  audit?: AuditTrail;
  prior?: { alpha: number; beta: number };
  seed?: number;
}

export function createLearningLedger(options: LedgerOptions): LearningLedger {
  const { contributor } = options;
  const prior = options.prior ?? DEFAULT_PRIOR;
  let adaptive: Promise<AdaptiveContribution> | undefined;
  let health: Promise<HealthContribution> | undefined;
  // Counters the pool had when this loop last synced with the Store: what it learned since is the rest.
  const baseline = new Map<string, Counts>();
  // Writes of this loop's keys go one after another, each with the share as it is then.
  let writes: Promise<unknown> = Promise.resolve();
  const write = (store: BaseStore, namespace: readonly string[], value: () => Record<string, unknown>): Promise<void> => {
    const next = writes.then(() => store.put([...namespace], contributor, value()));
    writes = next.catch(() => undefined);
    return next;
  };

  // A loop restarted with the same learningId carries on from its stored share.
  const ownAdaptive = (store: BaseStore): Promise<AdaptiveContribution> =>
    (adaptive ??= store.get([...FEDERATED_NAMESPACES.adaptive], contributor).then((item) => (item ? parseContribution(item.value) : emptyContribution(contributor))));
  const ownHealth = (store: BaseStore): Promise<HealthContribution> =>
    (health ??= store
      .get([...FEDERATED_NAMESPACES.agentHealth], contributor)
      .then((item) => (item ? parseHealth(item.value) : { version: 1 as const, contributor, agents: {} })));

  /**
   * Other loops' shares that parse; one that does not (another version, a bad write) is left out and
   * audited, so it cannot stop every loop on the Store from planning. This loop's own share still throws.
   */
  function othersOf<T>(items: readonly Item[], parse: (value: unknown) => T, namespace: readonly string[]): T[] {
    return items.flatMap((item) => {
      if (item.key === contributor) return [];
      try {
        return [parse(item.value)];
      } catch (error) {
        options.audit?.append({ actor: contributor, action: 'learning.share.refused', outcome: 'denied', details: { namespace: namespace.join('/'), key: item.key, error: (error as Error).message } });
        return [];
      }
    });
  }

  let ownAdaptiveNow: AdaptiveContribution | undefined;
  let ownHealthNow: HealthContribution | undefined;

  /** Folds what the pool counted since the baseline into this loop's health share. */
  function fold(pool: AgentPool, share: HealthContribution): void {
    for (const [agentId, state] of Object.entries(pool.states())) {
      const now = countsOf(state);
      const was = baseline.get(agentId) ?? { successes: 0, failures: 0, restarts: 0 };
      const mine = share.agents[agentId] ?? { successes: 0, failures: 0, restarts: 0 };
      share.agents[agentId] = { successes: mine.successes + now.successes - was.successes, failures: mine.failures + now.failures - was.failures, restarts: mine.restarts + now.restarts - was.restarts };
      baseline.set(agentId, now);
    }
  }

  return {
    contributor,
    async adaptiveState(store) {
      const [mine, items, legacy] = await Promise.all([
        ownAdaptive(store),
        searchAll(store, FEDERATED_NAMESPACES.adaptive),
        store.get([...LEGACY_ADAPTIVE.namespace], LEGACY_ADAPTIVE.key),
      ]);
      const own = ownAdaptiveNow ?? mine;
      const others = othersOf(items, parseContribution, FEDERATED_NAMESPACES.adaptive);
      const base = legacy ? (parseWith(AdaptiveStateSchema, legacy.value, { what: 'adaptive state stored by an earlier version' }) as AdaptiveState) : undefined;
      if (!base && others.length === 0 && own.draws === 0 && Object.keys(own.classes).length === 0) return undefined;
      return mergeAdaptiveStates([own, ...others], { prior, ...(options.seed === undefined ? {} : { seed: options.seed }), ...(base ? { base } : {}) });
    },
    async recordAdaptive(store, before, after) {
      const mine = ownAdaptiveNow ?? (await ownAdaptive(store));
      ownAdaptiveNow = addEvidence(ownAdaptiveNow ?? mine, adaptiveDelta(before, after, prior));
      await write(store, FEDERATED_NAMESPACES.adaptive, () => ownAdaptiveNow as unknown as Record<string, unknown>);
    },
    async restoreHealth(store, pool, stored) {
      const [mine, items] = await Promise.all([ownHealth(store), searchAll(store, FEDERATED_NAMESPACES.agentHealth)]);
      ownHealthNow ??= mine;
      fold(pool, ownHealthNow);
      const shares = [ownHealthNow, ...othersOf(items, parseHealth, FEDERATED_NAMESPACES.agentHealth)];
      const totals = new Map<string, Counts>();
      for (const share of shares) {
        for (const [agentId, c] of Object.entries(share.agents)) {
          const t = totals.get(agentId) ?? { successes: 0, failures: 0, restarts: 0 };
          totals.set(agentId, { successes: t.successes + c.successes, failures: t.failures + c.failures, restarts: t.restarts + c.restarts });
        }
      }
      const states: Record<string, unknown> = { ...stored };
      for (const agentId of pool.ids()) {
        const total = totals.get(agentId);
        if (!total) continue;
        // Counts are everyone's sum; the rest (circuit, latency, memory) is the latest state written.
        const latest = stored[agentId] === undefined ? initialAgentState(agentId) : migrateAgentState(stored[agentId]);
        states[agentId] = { ...latest, totalSuccesses: total.successes, totalFailures: total.failures, restarts: total.restarts };
      }
      pool.restore(states);
      for (const [agentId, state] of Object.entries(pool.states())) baseline.set(agentId, countsOf(state));
    },
    async recordHealth(store, pool) {
      ownHealthNow ??= await ownHealth(store);
      fold(pool, ownHealthNow);
      await write(store, FEDERATED_NAMESPACES.agentHealth, () => ownHealthNow as unknown as Record<string, unknown>);
    },
  };
}
