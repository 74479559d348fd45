import { bad, checkInteger, MAD_SCALE, median } from './anomaly.js';

/**
 * The stuck-attempt detector: pure like the others in ./anomaly.ts (time is passed in, no timers),
 * but it follows attempts that have not ended, not observations.
 */

export interface StuckDetectorOptions {
  /** Completed attempts per agent its bound is taken over. @default 50 */
  window?: number;
  /**
   * Completed attempts needed to judge an agent: its own, else those of the agents sharing a
   * capability with it, together. @default 10
   */
  minSamples?: number;
  /** The bound is `max(floorMs, medianFactor × median + madFactor × 1.4826 MAD)` of the latencies. @default 5 */
  medianFactor?: number;
  /** @default 6 */
  madFactor?: number;
  /** The bound never goes below it, so a GC pause or a busy event loop on fast calls is not a hang. @default 250 */
  floorMs?: number;
  /**
   * An attempt is stuck once its age passes the bound by this share; the anomaly closes once no
   * attempt on the agent is past the bound itself, so an age at the bound does not flap. @default 0.5
   */
  margin?: number;
  /**
   * While the agent still completes other attempts, a running one is stuck only past this many
   * times the opening bound: a live agent's slow call is not a hang. @default 4
   */
  aliveFactor?: number;
  /** The bound used before there are `minSamples` latencies to learn from. @default undefined: not judged */
  coldBoundMs?: number;
}

export const DEFAULT_STUCK_DETECTOR: Readonly<Omit<Required<StuckDetectorOptions>, 'coldBoundMs'>> = {
  window: 50,
  minSamples: 10,
  medianFactor: 5,
  madFactor: 6,
  floorMs: 250,
  margin: 0.5,
  aliveFactor: 4,
};

/** An agent whose running attempts crossed (or came back within) their bound in a round. */
export interface StuckVerdict {
  agentId: string;
  transition: 'detected' | 'resolved';
  /** The age of the agent's oldest running attempt (ms), 0 when none runs. */
  ageMs: number;
  /** The bound the age crossed: the opening bound (bound × (1 + margin)) on detection, the bound on resolution. */
  boundMs: number;
  /** The median latency the bound came from (0 for a cold bound). */
  medianMs: number;
  /** Whose latencies the bound came from. */
  basis: 'own' | 'peers' | 'cold';
  /** Attempts past the bound. */
  stuck: number;
  /** Whether the agent completed another attempt since its oldest stuck one started. */
  alive: boolean;
}

export interface StuckDetector {
  /** An attempt on the agent completed in `latencyMs` at `at`: it teaches the agent's bound and shows the agent alive. */
  completed(agentId: string, latencyMs: number, at: number): void;
  /**
   * Judges the attempts running at `at`: `running` maps each agent to the ages (ms) of its attempts
   * running now; `peersOf` names the agents that share its capabilities.
   */
  round(at: number, running: ReadonlyMap<string, readonly number[]>, peersOf?: (agentId: string) => readonly string[]): StuckVerdict[];
  /** Forgets the agent's latencies and open anomaly (a fresh start). */
  forget(agentId: string): void;
}

/**
 * Judges attempts that have not ended: the latency detector only sees calls that complete, so an
 * agent that hangs is invisible to it, and a run whose other agents go on is not stalled. An attempt
 * older than a robust bound from its agent's recent latencies (`max(floorMs, k × median + m × MAD)`,
 * from its capability's other agents until it has enough of its own) by `margin` is stuck, unless the
 * agent completed another attempt since it started, when it must be `aliveFactor` times older.
 *
 * @example
 * const stuck = stuckDetector();
 * stuck.completed('w1', 20, Date.now());
 * for (const v of stuck.round(Date.now(), new Map([['w1', pool.running('w1')]]))) if (v.transition === 'detected') moveTasksOff(v.agentId);
 */
export function stuckDetector(options: StuckDetectorOptions = {}): StuckDetector {
  const o = { ...DEFAULT_STUCK_DETECTOR, ...options };
  checkInteger('window', o.window, 3);
  checkInteger('minSamples', o.minSamples, 1);
  if (o.minSamples > o.window) throw bad('minSamples', o.minSamples, `at most window (${o.window})`);
  for (const name of ['medianFactor', 'madFactor', 'floorMs', 'margin'] as const) {
    if (!(o[name] >= 0) || !Number.isFinite(o[name])) throw bad(name, o[name], 'a finite number >= 0');
  }
  if (!(o.aliveFactor >= 1) || !Number.isFinite(o.aliveFactor)) throw bad('aliveFactor', o.aliveFactor, 'a finite number >= 1');
  if (o.coldBoundMs !== undefined && (!(o.coldBoundMs > 0) || !Number.isFinite(o.coldBoundMs))) throw bad('coldBoundMs', o.coldBoundMs, 'a finite number > 0');
  const latencies = new Map<string, number[]>();
  const lastCompleted = new Map<string, number>();
  const open = new Set<string>();

  const boundOf = (values: readonly number[]): { bound: number; med: number } => {
    const sorted = [...values].sort((a, b) => a - b);
    const med = median(sorted);
    const mad = median(sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b));
    return { bound: Math.max(o.floorMs, o.medianFactor * med + o.madFactor * MAD_SCALE * mad), med };
  };
  const bound = (agentId: string, peersOf?: (agentId: string) => readonly string[]): { bound: number; med: number; basis: StuckVerdict['basis'] } | undefined => {
    const own = latencies.get(agentId) ?? [];
    if (own.length >= o.minSamples) return { ...boundOf(own), basis: 'own' };
    const pooled = [...own, ...(peersOf?.(agentId) ?? []).filter((id) => id !== agentId).flatMap((id) => latencies.get(id) ?? [])];
    if (pooled.length >= o.minSamples) return { ...boundOf(pooled), basis: 'peers' };
    return o.coldBoundMs === undefined ? undefined : { bound: Math.max(o.floorMs, o.coldBoundMs), med: 0, basis: 'cold' };
  };

  return {
    completed(agentId, latencyMs, at) {
      if (!Number.isFinite(latencyMs) || latencyMs < 0) throw bad('latencyMs', latencyMs, 'a finite number >= 0');
      let values = latencies.get(agentId);
      if (!values) latencies.set(agentId, (values = []));
      values.push(latencyMs);
      if (values.length > o.window) values.shift();
      lastCompleted.set(agentId, Math.max(at, lastCompleted.get(agentId) ?? -Infinity));
    },
    round(at, running, peersOf) {
      const verdicts: StuckVerdict[] = [];
      for (const agentId of new Set([...running.keys(), ...open])) {
        const ages = running.get(agentId) ?? [];
        const b = bound(agentId, peersOf);
        const oldest = ages.reduce((max, age) => Math.max(max, age), 0);
        // Completed at `since`: alive for every attempt older than at - since.
        const sinceAge = at - (lastCompleted.get(agentId) ?? -Infinity);
        if (open.has(agentId)) {
          if (b !== undefined && ages.some((age) => age > b.bound)) continue;
          open.delete(agentId);
          verdicts.push({ agentId, transition: 'resolved', ageMs: oldest, boundMs: b?.bound ?? 0, medianMs: b?.med ?? 0, basis: b?.basis ?? 'cold', stuck: 0, alive: sinceAge < oldest });
          continue;
        }
        if (b === undefined) continue;
        const opening = b.bound * (1 + o.margin);
        // A hung agent completes nothing after its stuck attempt started; a live one only gets a longer leash.
        const stuck = ages.filter((age) => age > (sinceAge < age ? o.aliveFactor * opening : opening));
        if (stuck.length === 0) continue;
        open.add(agentId);
        const first = stuck.reduce((max, age) => Math.max(max, age), 0);
        verdicts.push({ agentId, transition: 'detected', ageMs: first, boundMs: opening, medianMs: b.med, basis: b.basis, stuck: stuck.length, alive: sinceAge < first });
      }
      return verdicts;
    },
    forget(agentId) {
      latencies.delete(agentId);
      lastCompleted.delete(agentId);
      open.delete(agentId);
    },
  };
}
