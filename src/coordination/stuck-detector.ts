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

/** The most attempts followed at once; past it the oldest is dropped (a run that vanished without ending them). */
export const MAX_WATCHED_ATTEMPTS = 100_000;

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
  /** An attempt started on the agent. */
  started(key: string, agentId: string, at: number): void;
  /** An attempt ended; a completed one teaches its agent's latency and shows the agent alive. */
  ended(key: string, at: number, completed: boolean): void;
  /** Drops the running attempts whose key starts with `prefix` (their run ended). */
  endAll(prefix: string): void;
  /** Judges every agent's running attempts at `at`; `peersOf` names the agents that share its capabilities. */
  round(at: number, peersOf?: (agentId: string) => readonly string[]): StuckVerdict[];
  /** Forgets the agent's latencies and open anomaly (a fresh start); its running attempts stay. */
  forget(agentId: string): void;
  /** Attempts followed now. */
  readonly running: number;
}

/**
 * Watches attempts that have not ended: the latency detector only sees calls that complete, so an
 * agent that hangs is invisible to it, and a run whose other agents go on is not stalled. An attempt
 * older than a robust bound from its agent's recent latencies (`max(floorMs, k × median + m × MAD)`,
 * from its capability's other agents until it has enough of its own) by `margin` is stuck, unless the
 * agent still completes other attempts, when it must be `aliveFactor` times older.
 *
 * @example
 * const stuck = stuckDetector();
 * stuck.started('run/t1/1', 'w1', Date.now());
 * for (const v of stuck.round(Date.now())) if (v.transition === 'detected') moveTasksOff(v.agentId);
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
  const attempts = new Map<string, { agentId: string; at: number }>();
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
    started(key, agentId, at) {
      attempts.delete(key);
      attempts.set(key, { agentId, at });
      if (attempts.size > MAX_WATCHED_ATTEMPTS) attempts.delete(attempts.keys().next().value as string);
    },
    ended(key, at, completed) {
      const attempt = attempts.get(key);
      if (!attempt) return;
      attempts.delete(key);
      if (!completed) return;
      let values = latencies.get(attempt.agentId);
      if (!values) latencies.set(attempt.agentId, (values = []));
      values.push(Math.max(0, at - attempt.at));
      if (values.length > o.window) values.shift();
      lastCompleted.set(attempt.agentId, at);
    },
    endAll(prefix) {
      for (const key of [...attempts.keys()]) if (key.startsWith(prefix)) attempts.delete(key);
    },
    round(at, peersOf) {
      const byAgent = new Map<string, { at: number }[]>();
      for (const a of attempts.values()) {
        let list = byAgent.get(a.agentId);
        if (!list) byAgent.set(a.agentId, (list = []));
        list.push(a);
      }
      const verdicts: StuckVerdict[] = [];
      for (const agentId of new Set([...byAgent.keys(), ...open])) {
        const running = byAgent.get(agentId) ?? [];
        const b = bound(agentId, peersOf);
        const oldest = running.reduce((min, a) => Math.min(min, a.at), Infinity);
        const ageMs = running.length === 0 ? 0 : Math.max(0, at - oldest);
        const since = lastCompleted.get(agentId) ?? -Infinity;
        if (open.has(agentId)) {
          if (b !== undefined && running.some((a) => at - a.at > b.bound)) continue;
          open.delete(agentId);
          verdicts.push({ agentId, transition: 'resolved', ageMs, boundMs: b?.bound ?? 0, medianMs: b?.med ?? 0, basis: b?.basis ?? 'cold', stuck: 0, alive: since > oldest });
          continue;
        }
        if (b === undefined) continue;
        const opening = b.bound * (1 + o.margin);
        // A hung agent completes nothing after its stuck attempt started; a live one only gets a longer leash.
        const stuck = running.filter((a) => at - a.at > (since > a.at ? o.aliveFactor * opening : opening));
        if (stuck.length === 0) continue;
        open.add(agentId);
        const first = stuck.reduce((min, a) => Math.min(min, a.at), Infinity);
        verdicts.push({ agentId, transition: 'detected', ageMs: at - first, boundMs: opening, medianMs: b.med, basis: b.basis, stuck: stuck.length, alive: since > first });
      }
      return verdicts;
    },
    forget(agentId) {
      latencies.delete(agentId);
      lastCompleted.delete(agentId);
      open.delete(agentId);
    },
    get running() {
      return attempts.size;
    },
  };
}
