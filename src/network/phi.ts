/** @default 8 — phi above this marks an agent unreachable (Akka's and Cassandra's usual value). */
export const DEFAULT_PHI_THRESHOLD = 8;
/** @default 100 — inter-arrival samples kept per agent. */
export const DEFAULT_PHI_WINDOW = 100;
/** @default 100 — floor for the standard deviation, so perfectly regular heartbeats do not make phi jump. */
export const DEFAULT_PHI_MIN_STDDEV_MS = 100;

/**
 * Phi-accrual failure detector state for one agent (Hayashibara et al.): a window of heartbeat
 * inter-arrival times; phi = -log10(P(a heartbeat arrives later than now)) under a normal fit.
 */
export interface PhiState {
  last?: number;
  intervals: number[];
}

export function newPhiState(): PhiState {
  return { intervals: [] };
}

export function recordArrival(state: PhiState, at: number, window = DEFAULT_PHI_WINDOW): void {
  if (state.last !== undefined) {
    state.intervals.push(Math.max(0, at - state.last));
    if (state.intervals.length > window) state.intervals.shift();
  }
  state.last = at;
}

/** 0 until there is at least one interval to learn from. */
export function phiOf(state: PhiState, at: number, minStdDevMs = DEFAULT_PHI_MIN_STDDEV_MS): number {
  const n = state.intervals.length;
  if (state.last === undefined || n === 0) return 0;
  const mean = state.intervals.reduce((a, b) => a + b, 0) / n;
  const variance = state.intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const std = Math.max(Math.sqrt(variance), minStdDevMs);
  const y = (at - state.last - mean) / std;
  // Logistic approximation of the normal CDF (max error < 1.4e-4), as Akka uses; computing the tail
  // directly keeps precision where 1 - CDF would round to 0.
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  const pLater = y > 0 ? e / (1 + e) : 1 - 1 / (1 + e);
  return pLater <= 0 ? Infinity : -Math.log10(pLater);
}
