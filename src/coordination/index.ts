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
export { ABSTAIN, DEFAULT_CONSENSUS_TALLY_ID, DEFAULT_VOTE_TIMEOUT_MS, coerceQuorum, createConsensus, defaultQuorum, type Consensus, type ConsensusOptions, type Proposal, type VoteContext } from './consensus.js';
export { decideGroups, type GroupDecision, type GroupedBallot } from './decide.js';
export { groupAnswers, normalizeText, type EqualityOptions } from './equality.js';
export { decide, tallyBallots, verifyBallotSignature, type DecideOptions, type Tally, type TallyInput } from './tally.js';
