import { NoError } from '../contracts/errors.js';

/**
 * Pure anomaly detectors: no timers, no LangGraph, no I/O. Each one is fed observations and says
 * when an anomaly starts and when it ends; `createSelfHealing` (src/loop/self-healing.ts) feeds
 * them from a loop's events and acts on what they say.
 */

/** A detector's verdict on one observation or round. */
export type Transition = 'detected' | 'resolved' | undefined;

export interface RobustDetectorOptions {
  /** Recent normal observations the median and MAD are taken over. @default 50 */
  window?: number;
  /** Observations needed before anything is judged. @default 10 */
  minSamples?: number;
  /** Robust z-score (|x - median| / (1.4826 MAD)) above which an observation is an outlier. @default 6 */
  threshold?: number;
  /** Consecutive outliers that make an anomaly: one slow call is not an incident. @default 3 */
  trip?: number;
  /** Consecutive normal observations that end it. @default 3 */
  clear?: number;
  /**
   * The smallest spread assumed, as a share of the median, so a perfectly steady series (MAD 0)
   * does not call a 1% change an outlier. @default 0.1
   */
  minRelativeSpread?: number;
  /**
   * The smallest spread assumed, in the observation's own unit, so jitter that matters to nobody
   * (a few milliseconds of a timer) is never an outlier. @default 0
   */
  minSpread?: number;
  /** Which side is anomalous. @default 'high' */
  side?: 'high' | 'low' | 'both';
}

export const DEFAULT_ROBUST_DETECTOR: Required<RobustDetectorOptions> = {
  window: 50,
  minSamples: 10,
  threshold: 6,
  trip: 3,
  clear: 3,
  minRelativeSpread: 0.1,
  minSpread: 0,
  side: 'high',
};

/** Scales a MAD to a standard deviation for normal data. */
export const MAD_SCALE = 1.4826;

export interface RobustDetector {
  /** Adds an observation; says whether an anomaly started or ended with it. */
  observe(value: number): Transition;
  /** Whether an anomaly is open. */
  readonly anomalous: boolean;
  /** The median of the baseline (undefined before any observation). */
  readonly baseline: number | undefined;
  /** The outlier bound on the anomalous side(s): above (or below) it an observation counts. */
  readonly bound: number | undefined;
}

export const bad = (name: string, value: unknown, rule: string): NoError =>
  new NoError('INVALID_NUMBER', `anomaly detector option ${name} must be ${rule}, got ${String(value)}; pass a valid value or leave it out for the default`, {
    details: { [name]: value },
  });

export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw bad(name, value, `an integer >= ${min}`);
}

export function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A robust outlier detector: median and median absolute deviation over a window of recent normal
 * observations, with hysteresis. An anomaly opens after `trip` outliers in a row and closes after
 * `clear` normal observations in a row. Outliers never enter the baseline, so a degraded agent
 * does not teach the detector that slow is normal.
 *
 * @example
 * const latency = robustDetector({ trip: 3 });
 * for (const ms of samples) if (latency.observe(ms) === 'detected') heal();
 */
export function robustDetector(options: RobustDetectorOptions = {}): RobustDetector {
  const o = { ...DEFAULT_ROBUST_DETECTOR, ...options };
  checkInteger('window', o.window, 3);
  checkInteger('minSamples', o.minSamples, 3);
  checkInteger('trip', o.trip, 1);
  checkInteger('clear', o.clear, 1);
  if (o.minSamples > o.window) throw bad('minSamples', o.minSamples, `at most window (${o.window})`);
  if (!(o.threshold > 0) || !Number.isFinite(o.threshold)) throw bad('threshold', o.threshold, 'a finite number > 0');
  if (!(o.minSpread >= 0) || !Number.isFinite(o.minSpread)) throw bad('minSpread', o.minSpread, 'a finite number >= 0');
  if (!(o.minRelativeSpread >= 0) || !Number.isFinite(o.minRelativeSpread)) throw bad('minRelativeSpread', o.minRelativeSpread, 'a finite number >= 0');
  const values: number[] = [];
  let outliers = 0;
  let normals = 0;
  let open = false;
  // Recomputed when the window changes, not on each read.
  let stats: { med: number; spread: number } | undefined;

  const compute = (): { med: number; spread: number } => {
    if (stats) return stats;
    const sorted = [...values].sort((a, b) => a - b);
    const med = median(sorted);
    const mad = median(sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b));
    // A floor of 1e-9 keeps an all-zero series (every output empty) from dividing by zero.
    stats = { med, spread: Math.max(MAD_SCALE * mad, o.minRelativeSpread * Math.abs(med), o.minSpread, 1e-9) };
    return stats;
  };
  const isOutlier = (value: number): boolean => {
    if (values.length < o.minSamples) return false;
    const { med, spread } = compute();
    const z = (value - med) / spread;
    return o.side === 'high' ? z > o.threshold : o.side === 'low' ? -z > o.threshold : Math.abs(z) > o.threshold;
  };
  const remember = (value: number): void => {
    values.push(value);
    if (values.length > o.window) values.shift();
    stats = undefined;
  };

  return {
    observe(value) {
      if (!Number.isFinite(value)) throw bad('observation', value, 'a finite number');
      if (isOutlier(value)) {
        normals = 0;
        outliers++;
        if (!open && outliers >= o.trip) {
          open = true;
          return 'detected';
        }
        return undefined;
      }
      outliers = 0;
      remember(value);
      if (open && ++normals >= o.clear) {
        open = false;
        normals = 0;
        return 'resolved';
      }
      return undefined;
    },
    get anomalous() {
      return open;
    },
    get baseline() {
      return values.length === 0 ? undefined : compute().med;
    },
    get bound() {
      if (values.length < o.minSamples) return undefined;
      const { med, spread } = compute();
      return o.side === 'low' ? med - o.threshold * spread : med + o.threshold * spread;
    },
  };
}

export interface ErrorRateDetectorOptions {
  /** Weight of the newest outcome in the moving failure rate. @default 0.2 */
  alpha?: number;
  /** Failure rate (0..1) at or above which an anomaly opens. @default 0.5 */
  threshold?: number;
  /** The anomaly closes once the rate is below threshold × this. @default 0.5 */
  resolveRatio?: number;
  /** Outcomes needed before the rate is judged. @default 5 */
  minSamples?: number;
}

export const DEFAULT_ERROR_RATE_DETECTOR: Required<ErrorRateDetectorOptions> = { alpha: 0.2, threshold: 0.5, resolveRatio: 0.5, minSamples: 5 };

export interface ErrorRateDetector {
  /** Adds an outcome (true when it failed). */
  observe(failed: boolean): Transition;
  readonly anomalous: boolean;
  /** The moving failure rate, 0..1. */
  readonly rate: number;
}

/**
 * An exponentially weighted failure rate with hysteresis: opens at `threshold`, closes below
 * `threshold × resolveRatio`, so a rate hovering at the threshold does not flap.
 *
 * @example
 * const errors = errorRateDetector({ threshold: 0.4 });
 * errors.observe(true);
 */
export function errorRateDetector(options: ErrorRateDetectorOptions = {}): ErrorRateDetector {
  const o = { ...DEFAULT_ERROR_RATE_DETECTOR, ...options };
  if (!(o.alpha > 0 && o.alpha <= 1)) throw bad('alpha', o.alpha, 'in (0, 1]');
  if (!(o.threshold > 0 && o.threshold <= 1)) throw bad('threshold', o.threshold, 'in (0, 1]');
  if (!(o.resolveRatio > 0 && o.resolveRatio < 1)) throw bad('resolveRatio', o.resolveRatio, 'in (0, 1)');
  checkInteger('minSamples', o.minSamples, 1);
  let rate = 0;
  let samples = 0;
  let open = false;
  return {
    observe(failed) {
      const x = failed ? 1 : 0;
      // The first outcomes average plainly, so one early failure is not a rate of alpha forever.
      rate = samples === 0 ? x : rate + Math.max(o.alpha, 1 / (samples + 1)) * (x - rate);
      samples++;
      if (!open && samples >= o.minSamples && rate >= o.threshold) {
        open = true;
        return 'detected';
      }
      if (open && rate < o.threshold * o.resolveRatio) {
        open = false;
        return 'resolved';
      }
      return undefined;
    },
    get anomalous() {
      return open;
    },
    get rate() {
      return rate;
    },
  };
}

export interface StallDetectorOptions {
  /** Rounds without progress that make a stall. @default 30 */
  rounds?: number;
}

export const DEFAULT_STALL_ROUNDS = 30;

export interface StallDetector {
  /** Marks progress (a task ended, an agent stepped). */
  progress(): Transition;
  /** Ends a round; says whether a stall started with it. */
  round(): Transition;
  readonly anomalous: boolean;
  /** Rounds since the last progress. */
  readonly idleRounds: number;
}

/**
 * Counts rounds without progress; after `rounds` of them the subject is stalled (as Magentic-One
 * re-plans after a number of stalled rounds), and the next progress ends the stall.
 *
 * @example
 * const stall = stallDetector({ rounds: 10 });
 * setInterval(() => stall.round() === 'detected' && replan(), 1_000);
 */
export function stallDetector(options: StallDetectorOptions = {}): StallDetector {
  const rounds = options.rounds ?? DEFAULT_STALL_ROUNDS;
  checkInteger('rounds', rounds, 1);
  let idle = 0;
  let open = false;
  return {
    progress() {
      idle = 0;
      if (!open) return undefined;
      open = false;
      return 'resolved';
    },
    round() {
      idle++;
      if (open || idle < rounds) return undefined;
      open = true;
      return 'detected';
    },
    get anomalous() {
      return open;
    },
    get idleRounds() {
      return idle;
    },
  };
}
