/** The options, shapes and defaults of self-healing (`createSelfHealing` in ./self-healing.ts). */
import type { Anomaly, Correction } from '../contracts/anomaly.js';
import type { EventEnvelope } from '../contracts/events.js';
import { NoError } from '../contracts/errors.js';
import type { Listener, Unsubscribe } from '../contracts/listeners.js';
import {
  DEFAULT_ROBUST_DETECTOR,
  errorRateDetector,
  robustDetector,
  stallDetector,
  type ErrorRateDetectorOptions,
  type RobustDetectorOptions,
  type StallDetectorOptions,
} from '../coordination/anomaly.js';
import { stuckDetector, type StuckDetectorOptions } from '../coordination/stuck-detector.js';
import type { AuditTrail } from '../telemetry/audit.js';
import type { AgentPool } from './agent-pool.js';

/** Latency detector defaults: a 10 ms floor on the spread, so timer jitter is never an incident. */
export const DEFAULT_LATENCY_DETECTOR: Required<RobustDetectorOptions> = { ...DEFAULT_ROBUST_DETECTOR, minSpread: 10 };
/** Output-size detector defaults: both sides (an agent that starts answering empty is anomalous too). */
export const DEFAULT_OUTPUT_SIZE_DETECTOR: Required<RobustDetectorOptions> = { ...DEFAULT_ROBUST_DETECTOR, side: 'both', minSpread: 64 };
/** How long a quarantined agent stays out of dispatch before it gets a fresh start. @default 60_000 */
export const DEFAULT_QUARANTINE_MS = 60_000;
/** An agent anomaly still open this long after its last action gets the next action. @default 10_000 */
export const DEFAULT_ESCALATE_AFTER_MS = 10_000;
/** One stall round, and how often quarantines and escalations are checked. @default 1_000 */
export const DEFAULT_HEALING_INTERVAL_MS = 1_000;
/** Runs followed for stalls; past it the least recently active is dropped. @default 10_000 */
export const MAX_HEALED_RUNS = 10_000;

/** What self-healing reads from a loop: its pool, its audit trail and its events. */
export interface HealedLoop {
  readonly pool: AgentPool;
  readonly audit?: AuditTrail;
  onEvent(listener: (event: EventEnvelope) => void): () => void;
  /** A master loop's re-plan (it has one with a `replan` option): a run still stalled after its tasks moved is re-planned. */
  requestReplan?(threadId: string, reason: string): boolean;
}

/** Something whose events carry tool calls (`no.tool.layer.invoked`): a tool layer. */
export interface HealedTools {
  onEvent(listener: (event: EventEnvelope) => void): () => void;
}

/** One observation of an agent's or a tool's call, for `observe` (the loop's events make them too). */
export interface CallObservation {
  subjectType: 'agent' | 'tool';
  subject: string;
  ok: boolean;
  /** Duration of a successful call (failures feed the error rate only). */
  latencyMs?: number;
  /** Size of a successful call's output, in bytes of its JSON. */
  outputBytes?: number;
}

export interface SelfHealingDetectors {
  /** @default DEFAULT_LATENCY_DETECTOR; false turns it off. */
  latency?: RobustDetectorOptions | false;
  /** @default DEFAULT_ERROR_RATE_DETECTOR; false turns it off. */
  errorRate?: ErrorRateDetectorOptions | false;
  /** @default DEFAULT_OUTPUT_SIZE_DETECTOR; false turns it off (and no output is serialized). */
  outputSize?: RobustDetectorOptions | false;
  /** Rounds (each `intervalMs`) a run may go without a task ending. @default { rounds: 30 }; false turns it off. */
  stall?: StallDetectorOptions | false;
  /**
   * Attempts still running past a bound learnt from their agent's completed attempts (an agent that
   * hangs while the run goes on elsewhere); checked each round. @default DEFAULT_STUCK_DETECTOR; false turns it off.
   */
  stuck?: StuckDetectorOptions | false;
}

export interface SelfHealingOptions {
  /** The loop to watch and heal (its pool, audit trail and events). Either `loop` or `pool`. */
  loop?: HealedLoop;
  /** A pool alone: fed through `observe` and `tick`. */
  pool?: AgentPool;
  /** Tool layers whose calls are watched (anomalies are reported; tools are not the pool's to heal). */
  tools?: readonly HealedTools[];
  /** Where every action is recorded. @default the loop's audit trail, else a new one */
  audit?: AuditTrail;
  detectors?: SelfHealingDetectors;
  /** Act on each detection at once; false only reports (call `detectAndCorrect` yourself). @default true */
  autoCorrect?: boolean;
  /**
   * When tasks move off an agent (its stuck attempts, a stalled run's), stop the attempts it holds (`pool.preempt`), so each
   * runs again at once on another agent, outside its retry budget; false leaves them to their timeout
   * (for agents whose side effects must not run twice even with the same idempotency key). @default true
   */
  preempt?: boolean;
  /** @default DEFAULT_QUARANTINE_MS */
  quarantineMs?: number;
  /** @default DEFAULT_ESCALATE_AFTER_MS */
  escalateAfterMs?: number;
  /** @default DEFAULT_HEALING_INTERVAL_MS; 0 runs rounds only when `tick()` is called. */
  intervalMs?: number;
  now?: () => number;
}

/** An anomaly as it opens (`detected`) and as it closes (`resolved`). */
export interface AnomalyNotice {
  state: 'detected' | 'resolved';
  anomaly: Anomaly;
}

export interface SelfHealing {
  /**
   * Picks an action for the anomaly and takes it: for an agent, the next applicable step of its
   * kind's ladder (`restart` from the factory, `quarantine`, `lower-concurrency`); for an agent's
   * stuck attempts and for a stalled run, `move-tasks` off the agents holding them (quarantined when
   * another agent can cover, else rebuilt, and their attempts pre-empted, see `preempt`); for a tool, `none`. Each action is an event, a
   * span, a metric and an audit record. Never rejects for a failed action: the correction says so.
   */
  detectAndCorrect(anomaly: Anomaly): Promise<Correction>;
  /** Feeds one call to the detectors (the loop's and tools' events do so on their own). */
  observe(observation: CallObservation): void;
  /** Every anomaly as it is detected and as it resolves; returns an unsubscribe function. */
  onAnomaly(listener: Listener<AnomalyNotice>): Unsubscribe;
  /** Every correction; returns an unsubscribe function. */
  onCorrection(listener: Listener<Correction>): Unsubscribe;
  /** `no.anomaly.detected`, `no.anomaly.resolved` and `no.anomaly.corrected` as CloudEvents envelopes. */
  onEvent(listener: Listener<EventEnvelope>): Unsubscribe;
  /** The anomalies open now. */
  anomalies(): Anomaly[];
  /** Agents quarantined now, with the epoch ms each is released at. */
  quarantined(): Record<string, number>;
  /** One round: stall counts, stuck attempts, quarantine releases, escalations (the timer calls it). */
  tick(): Promise<void>;
  /** Stops the timer and the subscriptions; caps and quarantines set so far stay. */
  close(): void;
}

function check(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new NoError('INVALID_NUMBER', `self-healing option ${name} must be a number >= ${min}, got ${String(value)}; leave it out for the default`, {
      details: { [name]: value },
    });
  }
}

/** The options with their defaults, each checked, so a bad option fails at `createSelfHealing`, not at the first call. */
export function resolveHealingOptions(options: SelfHealingOptions) {
  const quarantineMs = options.quarantineMs ?? DEFAULT_QUARANTINE_MS;
  const escalateAfterMs = options.escalateAfterMs ?? DEFAULT_ESCALATE_AFTER_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_HEALING_INTERVAL_MS;
  check('quarantineMs', quarantineMs, 0);
  check('escalateAfterMs', escalateAfterMs, 0);
  check('intervalMs', intervalMs, 0);
  const d = options.detectors ?? {};
  const latencyOptions = d.latency === false ? undefined : { ...DEFAULT_LATENCY_DETECTOR, ...d.latency };
  const outputOptions = d.outputSize === false ? undefined : { ...DEFAULT_OUTPUT_SIZE_DETECTOR, ...d.outputSize };
  const errorOptions = d.errorRate === false ? undefined : { ...d.errorRate };
  const stallOptions = d.stall === false ? undefined : { ...d.stall };
  const stuckOptions = d.stuck === false ? undefined : { ...d.stuck };
  if (latencyOptions) robustDetector(latencyOptions);
  if (outputOptions) robustDetector(outputOptions);
  if (errorOptions) errorRateDetector(errorOptions);
  if (stallOptions) stallDetector(stallOptions);
  if (stuckOptions) stuckDetector(stuckOptions);
  return { quarantineMs, escalateAfterMs, intervalMs, latencyOptions, outputOptions, errorOptions, stallOptions, stuckOptions };
}

/** The size of a result in bytes of its JSON. */
export const sizeOf = (value: unknown): number | undefined => {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : Buffer.byteLength(text);
  } catch {
    // A result JSON cannot hold (a cycle, a BigInt) has no size to judge.
    return undefined;
  }
};

