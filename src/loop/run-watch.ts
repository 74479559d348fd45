import type { Anomaly } from '../contracts/anomaly.js';
import type { EventEnvelope } from '../contracts/events.js';
import { stallDetector, type StallDetector, type StallDetectorOptions, type Transition } from '../coordination/anomaly.js';
import { THREAD_ID_HEADER } from './emitter.js';
import { MAX_HEALED_RUNS, sizeOf, type CallObservation } from './self-healing-options.js';

interface Watched {
  stall: StallDetector;
  /** attempt key -> agent id */
  inFlight: Map<string, string>;
  /** The run's LangGraph thread, from its events' `no-thread-id` header. */
  threadId?: string;
}

export interface RunWatchOptions {
  /** Stall detection per run; without it, runs are not tracked (calls are still observed). */
  stall: StallDetectorOptions | undefined;
  /** Whether completed calls report their output's size. */
  outputSizes: boolean;
  /** A completed or failed attempt, as a call of its agent. */
  observe(observation: CallObservation): void;
  /** A run's stall detector changed state. */
  transition(t: Transition, anomaly: Omit<Anomaly, 'id' | 'at'>): void;
}

/** What self-healing learns from a loop's events: its agents' calls, and each run's progress. */
export interface RunWatch {
  /** Feeds one loop event. */
  onLoopEvent(event: EventEnvelope): void;
  /** One round of the stall detectors: a run with no task ended since the last round idles one more. */
  round(): void;
}

/**
 * Turns a loop's events into call observations (latency, failures, output size per agent) and
 * stall rounds per run. At most MAX_HEALED_RUNS runs are tracked, the least recently active
 * dropped first.
 */
export function createRunWatch(options: RunWatchOptions): RunWatch {
  const { stall: stallOptions, observe, transition } = options;
  const runs = new Map<string, Watched>();
  /** The thread named by the event being handled. */
  let eventThread: string | undefined;

  function run(runId: string): Watched | undefined {
    if (!stallOptions) return undefined;
    let r = runs.get(runId);
    if (r) {
      runs.delete(runId);
    } else {
      r = { stall: stallDetector(stallOptions), inFlight: new Map() };
    }
    if (eventThread !== undefined) r.threadId = eventThread;
    // Re-inserted on each event: insertion order is recency order, so the oldest idle run goes first.
    runs.set(runId, r);
    if (runs.size > MAX_HEALED_RUNS) runs.delete(runs.keys().next().value as string);
    return r;
  }
  const progress = (runId: string, r: Watched | undefined): void => {
    if (!r) return;
    transition(r.stall.progress(), { kind: 'stall', subjectType: 'run', subject: runId, value: 0, baseline: 0,
      threshold: stallOptions?.rounds ?? 0, message: `run ${runId} made no progress` });
  };

  function onLoopEvent(event: EventEnvelope): void {
    const runId = event.correlationId ?? 'unknown';
    eventThread = event.headers?.[THREAD_ID_HEADER];
    const data = event.data as { taskId?: string; agentId?: string; attempt?: number; durationMs?: number; result?: unknown;
      metadata?: { agentId?: unknown; attempt?: unknown; attempts?: unknown; replayed?: unknown; classification?: unknown } };
    switch (event.type) {
      case 'orchestration.task.started': {
        if (data.agentId === undefined) return;
        run(runId)?.inFlight.set(`${runId}\u0000${data.taskId}\u0000${data.attempt}`, data.agentId);
        return;
      }
      case 'orchestration.task.completed': {
        const agentId = data.metadata?.agentId;
        const r = run(runId);
        if (typeof agentId !== 'string' || data.metadata?.replayed === true) return progress(runId, r);
        r?.inFlight.delete(`${runId}\u0000${data.taskId}\u0000${String(data.metadata?.attempts)}`);
        progress(runId, r);
        const size = options.outputSizes ? sizeOf(data.result) : undefined;
        observe({ subjectType: 'agent', subject: agentId, ok: true, ...(data.durationMs === undefined ? {} : { latencyMs: data.durationMs }),
          ...(size === undefined ? {} : { outputBytes: size }) });
        return;
      }
      case 'orchestration.task.failed': {
        const agentId = data.metadata?.agentId;
        const r = run(runId);
        if (typeof agentId !== 'string') return progress(runId, r);
        r?.inFlight.delete(`${runId}\u0000${data.taskId}\u0000${String(data.metadata?.attempt)}`);
        progress(runId, r);
        // Bad input and a stopped run are not the agent's fault; the pool's own failure count skips them too.
        const classification = data.metadata?.classification;
        if (classification === 'transient' || classification === 'agent-fault') observe({ subjectType: 'agent', subject: agentId, ok: false });
        return;
      }
      case 'no.agent.step':
        progress(runId, run(runId));
        return;
      case 'no.run.completed': {
        const r = runs.get(runId);
        if (r) {
          progress(runId, r);
          runs.delete(runId);
        }
        return;
      }
      default:
        return;
    }
  }

  return {
    onLoopEvent,
    round() {
      for (const [runId, r] of runs) {
        transition(r.stall.round(), { kind: 'stall', subjectType: 'run', subject: runId, value: r.stall.idleRounds, baseline: 0,
          threshold: stallOptions?.rounds ?? 0, message: `run ${runId} has had no task end for ${r.stall.idleRounds} rounds`,
          agentIds: [...new Set(r.inFlight.values())], ...(r.threadId === undefined ? {} : { threadId: r.threadId }) });
      }
    },
  };
}
