import type {
  AgentDescriptorInput,
  AgentSchedule,
  ConcreteStrategy,
  ExecutionEvent,
  ExecutionFeedbackInput,
  ExecutionPlan,
  ExecutionRequest,
  ExecutionRequestInput,
  ExecutionStatus,
  StrategyAdjustment,
} from '../contracts/scheduler.js';
import { complexityOf, SCHEDULER_ATTRIBUTES, SPAN_NAMES } from '../telemetry/names.js';
import { recordSchedulingLatency } from '../telemetry/metrics.js';
import { withSpan } from '../telemetry/tracer.js';
import { createAdaptiveEngine, type AdaptiveEngineOptions, type AdaptiveState } from './adaptive.js';
import { scheduleAgents } from './assignment.js';
import { monitorExecution, type MonitorOptions } from './monitor.js';
import { buildPlan, validateRequest } from './planner.js';
import type { SolveOptions } from './rcpsp.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './request-limits.js';
import { strategyCandidates } from './candidates.js';
import type { Dag } from './dag.js';
import { resolveStrategyOptions, type StrategySelectionOptions } from './strategy.js';

export interface IntelligenceSchedulerOptions {
  /** Request size limits. @default DEFAULT_REQUEST_LIMITS */
  limits?: Partial<RequestLimits>;
  /** Search effort and seed of the schedule solver. */
  solve?: SolveOptions;
  /** Thresholds of the rule-based strategy choice, and the regret cap on what learning may choose. */
  strategy?: StrategySelectionOptions;
  /** Settings of the adaptive decision engine. */
  adaptive?: AdaptiveEngineOptions;
  /**
   * Whether feedback trains the adaptive engine and the engine chooses among a DAG's candidate
   * strategies (see `strategyCandidates`). When `false`, a request with the `adaptive` strategy always
   * gets the rules' strategy for its DAG's shape and risk, and `adaptStrategy` only assesses a run
   * (its reward; the learned state is left as it was).
   * @default true
   */
  learning?: boolean;
  /** A learning state persisted from an earlier scheduler (see `getAdaptiveState`). */
  adaptiveState?: AdaptiveState;
}

/** Plans a request, assigns agents, learns from feedback and monitors a run; pure and synchronous. */
export interface IntelligenceScheduler {
  /** Validates the request and returns a plan: DAG order, critical path, strategy and a resource-feasible schedule. */
  planExecution(request: ExecutionRequestInput): ExecutionPlan;
  /** Assigns the plan's tasks to agents by capability, load and health. */
  scheduleAgents(plan: ExecutionPlan, agents: readonly AgentDescriptorInput[]): AgentSchedule;
  /** Learns from a finished run and recommends the strategy for its task class (with learning off: assesses it only). */
  adaptStrategy(feedback: ExecutionFeedbackInput): StrategyAdjustment;
  /** Folds execution events into the run's status against the plan. */
  monitorExecution(plan: ExecutionPlan, events: readonly ExecutionEvent[], options?: MonitorOptions): ExecutionStatus;
  /** The adaptive engine's learning state, JSON-serializable, to persist and pass back as `adaptiveState`. */
  getAdaptiveState(): AdaptiveState;
}

/** The class the adaptive engine learns for: `metadata.taskClass`, else the most common task class. */
export function taskClassOf(request: Pick<ExecutionRequest, 'tasks' | 'metadata'>): string {
  const declared = request.metadata?.['taskClass'];
  if (typeof declared === 'string' && declared.length > 0) return declared;
  const counts = new Map<string, number>();
  for (const t of request.tasks) if (t.taskClass) counts.set(t.taskClass, (counts.get(t.taskClass) ?? 0) + 1);
  let best = 'default';
  let most = 0;
  for (const [name, n] of counts) if (n > most || (n === most && name < best)) [best, most] = [name, n];
  return best;
}

function peakConcurrency(plan: ExecutionPlan): number {
  const points = plan.schedule.filter((s) => s.endMs > s.startMs).flatMap((s) => [[s.startMs, 1], [s.endMs, -1]] as const);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of points) peak = Math.max(peak, (now += delta));
  return peak;
}

/**
 * @example
 * const scheduler = createIntelligenceScheduler();
 * const plan = scheduler.planExecution({
 *   tasks: [{ id: 'fetch', estimatedDurationMs: 30, resources: { cpu: 2 } }, { id: 'parse', dependsOn: ['fetch'] }],
 *   resources: { cpu: 8 },
 * });
 * plan.schedule; // [{ taskId: 'fetch', startMs: 0, endMs: 30 }, { taskId: 'parse', startMs: 30, endMs: 30 }]
 */
export function createIntelligenceScheduler(options: IntelligenceSchedulerOptions = {}): IntelligenceScheduler {
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, ...options.limits };
  const engine = createAdaptiveEngine(options.adaptive, options.adaptiveState);
  // Checked now, not at the first adaptive request: a run must not get as far as its feedback first.
  resolveStrategyOptions(options.strategy ?? {});
  const learning = options.learning ?? true;

  const choose = (request: ExecutionRequest, dag: Dag): { strategy: ConcreteStrategy; reason: string } => {
    if (request.strategy !== 'adaptive') return { strategy: request.strategy, reason: `requested '${request.strategy}'` };
    const { rule, candidates } = strategyCandidates(request, dag, options.strategy);
    if (!learning || candidates.length === 1) return rule;
    const taskClass = taskClassOf(request);
    const draw = engine.choose(taskClass, rule.strategy, { candidates });
    if (draw.strategy === rule.strategy) return rule;
    return {
      strategy: draw.strategy,
      reason:
        `learned for '${taskClass}' among ${candidates.join(', ')} (confidence ${draw.confidence.toFixed(2)}); ` +
        `rules said ${rule.strategy}: ${rule.reason}`,
    };
  };

  return {
    planExecution(input) {
      const started = performance.now();
      const raw = input as { tasks?: unknown; strategy?: unknown; resources?: unknown; constraints?: { maxConcurrentAgents?: unknown } };
      const taskCount = Array.isArray(raw?.tasks) ? raw.tasks.length : 0;
      const agentCount = typeof raw?.constraints?.maxConcurrentAgents === 'number' ? raw.constraints.maxConcurrentAgents : 0;
      const attributes = {
        [SCHEDULER_ATTRIBUTES.complexity]: complexityOf(taskCount),
        [SCHEDULER_ATTRIBUTES.agentCount]: agentCount,
        [SCHEDULER_ATTRIBUTES.strategy]: typeof raw?.strategy === 'string' ? raw.strategy : 'adaptive',
        [SCHEDULER_ATTRIBUTES.resourceLimit]: JSON.stringify(raw?.resources ?? {}),
        [SCHEDULER_ATTRIBUTES.taskCount]: taskCount,
      };
      return withSpan(SPAN_NAMES.schedulingExecute, attributes, (span) => {
        const validated = validateRequest(input, limits);
        const choice = choose(validated.request, validated.dag);
        const plan = buildPlan(validated, choice.strategy, choice.reason, options.solve);
        const elapsed = performance.now() - started;
        // Measure nothing when nobody listens: these attributes cost a sort over the schedule.
        if (span.isRecording()) {
          span.setAttributes({
            [SCHEDULER_ATTRIBUTES.strategy]: plan.strategy,
            [SCHEDULER_ATTRIBUTES.executionTimeMs]: elapsed,
            [SCHEDULER_ATTRIBUTES.agentsAllocated]: peakConcurrency(plan),
            [SCHEDULER_ATTRIBUTES.toolsRequired]: new Set(plan.tasks.flatMap((t) => (t.capability ? [t.capability] : []))).size,
            [SCHEDULER_ATTRIBUTES.makespanMs]: plan.makespanMs,
          });
        }
        recordSchedulingLatency(elapsed / 1000, { complexity: complexityOf(taskCount), agent_count: agentCount, strategy: plan.strategy });
        return plan;
      });
    },
    scheduleAgents: (plan, agents) => scheduleAgents(plan, agents),
    adaptStrategy: (feedback) => (learning ? engine.adaptStrategy(feedback) : engine.assess(feedback)),
    monitorExecution: (plan, events, monitorOptions) => monitorExecution(plan, events, monitorOptions),
    getAdaptiveState: () => engine.getState(),
  };
}
