export { ABSTAIN, DEFAULT_CONSENSUS_TALLY_ID, DEFAULT_VOTE_TIMEOUT_MS, coerceQuorum, createConsensus, defaultQuorum, type Consensus, type ConsensusOptions, type Proposal, type VoteContext } from './consensus.js';
export { decideGroups, type GroupDecision, type GroupedBallot } from './decide.js';
export { groupAnswers, normalizeText, type EqualityOptions } from './equality.js';
export { decide, tallyBallots, verifyBallotSignature, type DecideOptions, type Tally, type TallyInput } from './tally.js';
