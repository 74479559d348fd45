export { createSwarm, evaluateEach } from './swarm.js';
export type { Swarm, SwarmOptions, SwarmResult, SwarmIteration, SwarmStopReason, SwarmBestMessage, BatchEvaluator, BatchContext, OptimizeOptions } from './swarm.js';
export {
  CLERC_KENNEDY,
  DEFAULT_SWARM_SIZE,
  DEFAULT_MAX_ITERATIONS,
  DEFAULT_PATIENCE,
  DEFAULT_TOLERANCE,
  DEFAULT_SWARM_SEED,
  DEFAULT_SWARM_TOPIC,
} from './swarm-problem.js';
export type { SwarmProblem } from './swarm-problem.js';
export type { SwarmTopology, Constriction } from './particle-swarm.js';
