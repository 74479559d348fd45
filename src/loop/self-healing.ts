import { randomUUID } from 'node:crypto';
import { AnomalySchema, type Anomaly, type Correction } from '../contracts/anomaly.js';
import { NoError } from '../contracts/errors.js';
import type { EventEnvelope, EventPayload, EventType } from '../contracts/events.js';
import { createListeners } from '../contracts/listeners.js';
import { parseWith } from '../contracts/validate.js';
import {
  errorRateDetector,
  robustDetector,
  type ErrorRateDetector,
  type RobustDetector,
  type Transition,
} from '../coordination/anomaly.js';
import { stuckDetector, type StuckVerdict } from '../coordination/stuck-detector.js';
import { createAuditTrail } from '../telemetry/audit.js';
import { createEventEnvelope } from '../telemetry/events.js';
import { recordAnomaly, recordHealingAction } from '../telemetry/metrics.js';
import { ANOMALY_ATTRIBUTES, SPAN_NAMES } from '../telemetry/names.js';
import { withSpan } from '../telemetry/tracer.js';
import type { AgentPool } from './agent-pool.js';
import { DEFAULT_HEALING_LADDERS, healingActions } from './healing-actions.js';
import { createRunWatch } from './run-watch.js';

export { DEFAULT_HEALING_LADDERS } from './healing-actions.js';

import {
  resolveHealingOptions,
  type AnomalyNotice,
  type CallObservation,
  type SelfHealing,
  type SelfHealingOptions,
} from './self-healing-options.js';

interface Subject {
  latency?: RobustDetector;
  errors?: ErrorRateDetector;
  output?: RobustDetector;
}

/**
 * Watches a loop's agents (latency, error rate, output size), its tools and its runs (stalls) with
 * robust detectors and heals what degrades: an anomaly opens only after several outliers in a row
 * and closes after several normal calls, so one slow call is not an incident.
 *
 * @example
 * const healing = createSelfHealing({ loop });
 * healing.onAnomaly(({ state, anomaly }) => log(state, anomaly.message));
 * healing.onCorrection((c) => log(`${c.action} on ${c.agentIds.join(',')}: ${c.outcome}`));
 */
export function createSelfHealing(options: SelfHealingOptions): SelfHealing {
  const given = options?.loop?.pool ?? options?.pool;
  if (!given) throw new NoError('INVALID_REQUEST', 'createSelfHealing needs a loop or a pool to heal: pass { loop } (a master loop) or { pool }');
  const pool: AgentPool = given;
  const now = options.now ?? Date.now;
  const audit = options.audit ?? options.loop?.audit ?? createAuditTrail();
  const { quarantineMs, escalateAfterMs, intervalMs, latencyOptions, outputOptions, errorOptions, stallOptions, stuckOptions } = resolveHealingOptions(options);
  const autoCorrect = options.autoCorrect ?? true;

  const noticed = createListeners<AnomalyNotice>();
  const corrected = createListeners<Correction>();
  const events = createListeners<EventEnvelope>();
  const subjects = new Map<string, Subject>();
  const open = new Map<string, Anomaly>();
  const stuck = stuckOptions ? stuckDetector(stuckOptions) : undefined;
  const loop = options.loop;
  const actions = healingActions(pool, { now, quarantineMs, preempt: options.preempt ?? true,
    replan: typeof loop?.requestReplan === 'function' ? (threadId, reason) => loop.requestReplan!(threadId, reason) : undefined });
  const { quarantine, capped } = actions;
  // Per open agent anomaly: the ladder step reached and when the last action was taken.
  const steps = new Map<string, { step: number; at: number }>();

  const emit = <T extends EventType>(type: T, data: EventPayload<T>, correlationId?: string): void => {
    if (events.size === 0) return;
    events.emit(createEventEnvelope(type, data, { validate: false, ...(correlationId === undefined ? {} : { correlationId }) }));
  };
  const keyOf = (a: Pick<Anomaly, 'kind' | 'subjectType' | 'subject'>): string => `${a.subjectType}\u0000${a.subject}\u0000${a.kind}`;

  function transition(t: Transition, base: Omit<Anomaly, 'id' | 'at'>): void {
    if (t === undefined) return;
    const key = keyOf(base);
    if (t === 'detected') {
      const anomaly: Anomaly = { ...base, id: randomUUID(), at: now() };
      open.set(key, anomaly);
      recordAnomaly({ kind: anomaly.kind, subject_type: anomaly.subjectType });
      emit('no.anomaly.detected', anomaly, anomaly.subjectType === 'run' ? anomaly.subject : undefined);
      noticed.emit({ state: 'detected', anomaly });
      // A correction never rejects for a failed action; anything else is a bug, surfaced as the listener rule does.
      if (autoCorrect) void detectAndCorrect(anomaly).catch((error: unknown) => queueMicrotask(() => { throw error; }));
      return;
    }
    const was = open.get(key);
    if (!was) return;
    open.delete(key);
    steps.delete(key);
    const anomaly: Anomaly = { ...was, value: base.value, baseline: base.baseline, threshold: base.threshold, message: `resolved: ${was.message}`, at: now() };
    emit('no.anomaly.resolved', anomaly, anomaly.subjectType === 'run' ? anomaly.subject : undefined);
    noticed.emit({ state: 'resolved', anomaly });
    if (anomaly.subjectType === 'agent' && capped.has(anomaly.subject) && !hasOpen(anomaly.subject)) {
      capped.delete(anomaly.subject);
      pool.limit(anomaly.subject, undefined);
    }
  }
  const hasOpen = (agentId: string): boolean => [...open.values()].some((a) => a.subjectType === 'agent' && a.subject === agentId);

  function subjectOf(type: 'agent' | 'tool', id: string): Subject {
    const key = `${type}\u0000${id}`;
    let s = subjects.get(key);
    if (!s) {
      s = {
        ...(latencyOptions ? { latency: robustDetector(latencyOptions) } : {}),
        ...(errorOptions ? { errors: errorRateDetector(errorOptions) } : {}),
        ...(outputOptions ? { output: robustDetector(outputOptions) } : {}),
      };
      subjects.set(key, s);
    }
    return s;
  }

  function observe(o: CallObservation): void {
    const s = subjectOf(o.subjectType, o.subject);
    const who = `${o.subjectType} ${o.subject}`;
    if (s.errors) {
      const t = s.errors.observe(!o.ok);
      const rate = s.errors.rate;
      transition(t, { kind: 'error-rate', subjectType: o.subjectType, subject: o.subject, value: rate, baseline: 0,
        threshold: errorOptions?.threshold ?? 0.5, message: `${who} fails ${Math.round(rate * 100)}% of its calls` });
    }
    if (!o.ok) return;
    if (o.subjectType === 'agent' && o.latencyMs !== undefined) stuck?.completed(o.subject, o.latencyMs, now());
    if (s.latency && o.latencyMs !== undefined) {
      const bound = s.latency.bound;
      const t = s.latency.observe(o.latencyMs);
      transition(t, { kind: 'latency', subjectType: o.subjectType, subject: o.subject, value: o.latencyMs, baseline: s.latency.baseline ?? 0,
        threshold: bound ?? 0, message: `${who} took ${Math.round(o.latencyMs)} ms, above ${Math.round(bound ?? 0)} ms (median ${Math.round(s.latency.baseline ?? 0)} ms)` });
    }
    if (s.output && o.outputBytes !== undefined) {
      const bound = s.output.bound;
      const t = s.output.observe(o.outputBytes);
      transition(t, { kind: 'output-size', subjectType: o.subjectType, subject: o.subject, value: o.outputBytes, baseline: s.output.baseline ?? 0,
        threshold: bound ?? 0, message: `${who} returned ${o.outputBytes} bytes, far from its median of ${Math.round(s.output.baseline ?? 0)}` });
    }
  }

  async function detectAndCorrect(input: Anomaly): Promise<Correction> {
    const anomaly = parseWith(AnomalySchema, input, { what: 'anomaly' });
    const key = keyOf(anomaly);
    const { action, agentIds, reason, step } = actions.choose(anomaly, steps.get(key)?.step ?? 0);
    if (anomaly.subjectType !== 'tool' && open.has(key)) steps.set(key, { step, at: now() });
    return withSpan(SPAN_NAMES.anomalyCorrect, {
      [ANOMALY_ATTRIBUTES.id]: anomaly.id,
      [ANOMALY_ATTRIBUTES.kind]: anomaly.kind,
      [ANOMALY_ATTRIBUTES.subjectType]: anomaly.subjectType,
      [ANOMALY_ATTRIBUTES.subject]: anomaly.subject,
      [ANOMALY_ATTRIBUTES.action]: action,
    }, async (span) => {
      let outcome: Correction['outcome'] = 'skipped';
      let why = reason ?? '';
      if (action !== 'none') {
        try {
          why = await actions.take(action, agentIds, anomaly.message, anomaly.threadId);
          outcome = 'applied';
        } catch (error) {
          outcome = 'failed';
          why = error instanceof Error ? error.message : String(error);
        }
      }
      span.setAttribute(ANOMALY_ATTRIBUTES.outcome, outcome);
      const correction: Correction = { anomalyId: anomaly.id, kind: anomaly.kind, subjectType: anomaly.subjectType, subject: anomaly.subject,
        action, outcome, agentIds, reason: why, at: now() };
      recordHealingAction({ kind: anomaly.kind, action, outcome });
      audit.append({ actor: 'self-healing', action: `anomaly.${action}`, outcome: outcome === 'failed' ? 'failure' : 'success',
        details: { anomalyId: anomaly.id, kind: anomaly.kind, subjectType: anomaly.subjectType, subject: anomaly.subject, agentIds, outcome, reason: why, value: anomaly.value } });
      emit('no.anomaly.corrected', correction, anomaly.subjectType === 'run' ? anomaly.subject : undefined);
      corrected.emit(correction);
      return correction;
    });
  }

  /** The agents that share a capability with the agent (whose latencies bound its attempts until it has its own). */
  const peersOf = (agentId: string): string[] =>
    pool.ids().includes(agentId) ? [...new Set(pool.definition(agentId).capabilities.flatMap((cap) => pool.capable(cap)))] : [];
  const stuckAnomaly = (v: StuckVerdict): Omit<Anomaly, 'id' | 'at'> => ({
    kind: 'stuck', subjectType: 'agent', subject: v.agentId, value: v.ageMs, baseline: v.medianMs, threshold: v.boundMs,
    message: `agent ${v.agentId} has ${v.stuck} attempt(s) running for ${Math.round(v.ageMs)} ms, past its bound of ${Math.round(v.boundMs)} ms `
      + (v.basis === 'cold' ? '(coldBoundMs)' : `(${v.basis === 'own' ? 'its' : 'its capability peers\''} median ${Math.round(v.medianMs)} ms)`)
      + (v.alive ? ', though it still completes others' : ', and has completed nothing since'),
  });

  // --- the loop's events -----------------------------------------------------------------------

  const watch = createRunWatch({ stall: stallOptions, outputSizes: outputOptions !== undefined, observe, transition });

  function onToolEvent(event: EventEnvelope): void {
    if (event.type !== 'no.tool.layer.invoked') return;
    const data = event.data as EventPayload<'no.tool.layer.invoked'>;
    observe({ subjectType: 'tool', subject: `${data.layer}/${data.tool}`, ok: data.success, latencyMs: data.durationMs });
  }
  const subscriptions = [
    ...(options.loop ? [options.loop.onEvent(watch.onLoopEvent)] : []),
    ...(options.tools ?? []).map((t) => t.onEvent(onToolEvent)),
  ];

  async function tick(): Promise<void> {
    const at = now();
    for (const [agentId, until] of quarantine) {
      if (until > at) continue;
      quarantine.delete(agentId);
      pool.breaker(agentId).reset();
      // A fresh start: the agent's old anomalies close, and its detectors forget the bad spell.
      for (const a of [...open.values()]) {
        if (a.subjectType === 'agent' && a.subject === agentId) transition('resolved', a);
      }
      subjects.delete(`agent\u0000${agentId}`);
      stuck?.forget(agentId);
    }
    watch.round();
    if (stuck) {
      // The pool's own record of running attempts: every attempt of every run (consensus voters too), none left over.
      const running = new Map(pool.ids().map((id) => [id, pool.running(id)] as const).filter(([, ages]) => ages.length > 0));
      for (const v of stuck.round(at, running, peersOf)) transition(v.transition, stuckAnomaly(v));
    }
    if (!autoCorrect) return;
    const pending: Promise<Correction>[] = [];
    for (const [key, a] of open) {
      const last = steps.get(key);
      // A run still stalled after its tasks moved: the next step is a re-plan (when the loop has one).
      if (a.subjectType === 'run' && last !== undefined && last.step === 1 && at - last.at >= escalateAfterMs) {
        pending.push(detectAndCorrect(a));
        continue;
      }
      if (a.subjectType !== 'agent' || a.kind === 'stall' || last === undefined || quarantine.has(a.subject)) continue;
      // Once the ladder is spent, the anomaly waits for its resolution or a quarantine's end.
      if (last.step < DEFAULT_HEALING_LADDERS[a.kind].length && at - last.at >= escalateAfterMs) pending.push(detectAndCorrect(a));
    }
    await Promise.all(pending);
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (intervalMs > 0) {
    timer = setInterval(() => void tick().catch((error: unknown) => queueMicrotask(() => { throw error; })), intervalMs);
    // Self-healing never keeps a process alive on its own.
    timer.unref();
  }

  return {
    detectAndCorrect,
    observe,
    onAnomaly: noticed.on,
    onCorrection: corrected.on,
    onEvent: events.on,
    anomalies: () => [...open.values()],
    quarantined: () => Object.fromEntries(quarantine),
    tick,
    close() {
      clearInterval(timer);
      for (const off of subscriptions) off();
    },
  };
}
