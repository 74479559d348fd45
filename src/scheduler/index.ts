export { createIntelligenceScheduler, taskClassOf } from './intelligence-scheduler.js';
export type { IntelligenceScheduler, IntelligenceSchedulerOptions } from './intelligence-scheduler.js';
export { DEFAULT_REQUEST_LIMITS, checkRequestShape, checkTaskNumbers, checkTaskSizes } from './request-limits.js';
export type { RequestLimits } from './request-limits.js';
export { validateRequest, buildPlan, toSchedulingProblem, planIdOf, COORDINATION_RESOURCE } from './planner.js';
export type { ValidatedRequest } from './planner.js';
export { buildDag } from './dag.js';
export type { Dag, DagNode } from './dag.js';
export { criticalPath } from './critical-path.js';
export type { CriticalPath } from './critical-path.js';
export { solveSchedule, DEFAULT_TIME_BUDGET_MS, DEFAULT_SEED } from './rcpsp.js';
export type { SchedulingProblem, SolveOptions, Solution } from './rcpsp.js';
export { makespanLowerBound } from './lower-bound.js';
export { generateRcpspInstance, instanceToProblem } from './instance-generator.js';
export type { RcpspInstance, GenerateOptions } from './instance-generator.js';
export {
  analyzeShape,
  selectStrategy,
  needsCoordination,
  DEFAULT_MIN_PARALLELISM,
  DEFAULT_MAX_COORDINATED_SHARE,
  DEFAULT_REGRET_CAP,
} from './strategy.js';
export type { DagShape, StrategyChoice, StrategySelectionOptions } from './strategy.js';
export { strategyCandidates, strategyBounds, runBaseline, declaresRisk } from './candidates.js';
export type { StrategyCandidates, RunBaseline, CandidateSource } from './candidates.js';
export {
  createAdaptiveEngine,
  AdaptiveStateSchema,
  DEFAULT_QUALITY_THRESHOLD,
  DEFAULT_CONFIDENCE_THRESHOLD,
} from './adaptive.js';
export type { AdaptiveDecisionEngine, AdaptiveEngineOptions, AdaptiveState, StrategyDraw, ChooseOptions } from './adaptive.js';
export { DEFAULT_PRIOR, DEFAULT_ADAPTIVE_SEED } from './adaptive.js';
export {
  AdaptiveContributionSchema,
  ADAPTIVE_CONTRIBUTION_VERSION,
  MIN_MERGED_SHAPE,
  emptyContribution,
  parseContribution,
  adaptiveDelta,
  addEvidence,
  mergeAdaptiveStates,
} from './federated.js';
export type { AdaptiveContribution, Evidence, MergeOptions } from './federated.js';
export {
  rewardOf,
  speedOf,
  DEFAULT_RETRY_PENALTY,
  DEFAULT_MAX_RETRY_PENALTY,
  DEFAULT_MAKESPAN_TOLERANCE,
  DEFAULT_SLOWDOWN_EXPONENT,
} from './reward.js';
export type { RewardOptions, RewardInput } from './reward.js';
export { scheduleAgents } from './assignment.js';
export { monitorExecution, DEFAULT_MONITOR_TOLERANCE_MS } from './monitor.js';
export type { MonitorOptions } from './monitor.js';
export { createRandom, hashString } from './random.js';
export type { Random } from './random.js';
export { planToMermaid, planToDot, STATUS_COLOURS } from './visualize.js';
export type { VisualizeOptions } from './visualize.js';
// The status type VisualizeOptions colours by; it lives in contracts with the run's status.
export type { TaskStatus } from '../contracts/status.js';
