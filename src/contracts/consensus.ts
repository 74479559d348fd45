import { z } from 'zod';
import { DeliveredMessageSchema } from './network.js';

/**
 * How ballots become a decision:
 * - `majority`: the answer held by more than half of the counted ballots;
 * - `weighted`: the answer holding more than half of the counted ballots' weight;
 * - `ranked`: each ballot ranks answers (an array, best first); instant runoff until one answer
 *   holds more than half of the ballots still counting;
 * - `unanimous`: every counted ballot gives the same answer.
 */
export const ConsensusMethodSchema = z.enum(['majority', 'weighted', 'ranked', 'unanimous']);
export type ConsensusMethod = z.infer<typeof ConsensusMethodSchema>;

/** What a vote ended with; only `decided` carries a value. */
export const ConsensusOutcomeSchema = z.enum(['decided', 'tie', 'no-quorum', 'undecided']);
export type ConsensusOutcome = z.infer<typeof ConsensusOutcomeSchema>;

/** Why a ballot was not counted. */
export const BallotRejectionSchema = z.enum(['malformed', 'not-a-voter', 'bad-signature', 'forged', 'equivocation']);
export type BallotRejection = z.infer<typeof BallotRejectionSchema>;

/** Why a voter gave no counted answer (not counted against anyone, but against the quorum). */
export const AbstentionReasonSchema = z.enum(['abstained', 'failed', 'no-ballot']);
export type AbstentionReason = z.infer<typeof AbstentionReasonSchema>;

/** The message type of a ballot on the agent network. */
export const BALLOT_MESSAGE_TYPE = 'no.consensus.ballot';

/** A ballot's payload: signed by the voter, so nobody else can cast it or change it. */
export const BallotPayloadSchema = z.strictObject({
  proposalId: z.string().min(1).max(256),
  /** Must be the message's signer: a ballot that claims another voter is forged. */
  voter: z.string().min(1),
  /** The answer (for `ranked`, an array of answers, best first). Absent when `abstain` is true. */
  choice: z.unknown().optional(),
  abstain: z.boolean().optional(),
});
export type BallotPayload = z.infer<typeof BallotPayloadSchema>;

/**
 * A task's request for several answers and a decision. The loop runs the task once per voter, each
 * on its own agent, collects each answer as a ballot signed by that agent, and completes the task
 * with the decided answer.
 */
export const ConsensusSpecSchema = z
  .strictObject({
    /** How many voters (each on a distinct agent of the task's capability), or every agent of a capability. */
    voters: z.union([
      z.number().int('consensus.voters must be a whole number of voters').min(1, 'consensus.voters must be at least 1'),
      z.strictObject({ capability: z.string().min(1, 'consensus.voters.capability must name a capability').max(128) }),
    ]),
    /** @default 'majority' */
    method: ConsensusMethodSchema.default('majority'),
    /** Counted ballots a decision needs. @default more than half of the voters */
    quorum: z.number().int('consensus.quorum must be a whole number').min(1, 'consensus.quorum must be at least 1').optional(),
    /**
     * How two answers are compared: `exact` (same JSON), or `text` (strings compared after trimming,
     * collapsing white space and lower-casing). Functions (normalize, equals, a judge) go in the
     * loop's `consensus` option. @default 'exact'
     */
    equality: z.enum(['exact', 'text']).default('exact'),
    /**
     * A judge agent: two answers count as the same when an agent of this capability, given
     * `{ kind: 'consensus.judge', question, a, b }`, returns `true` (or `{ same: true }`). It runs
     * under the run's limits, once per pair of distinct answers. @default none
     */
    judge: z.strictObject({ capability: z.string().min(1, 'consensus.judge.capability must name a capability').max(128) }).optional(),
    /** Weight of each voter (agent id) for `weighted`; a voter not named weighs 1. */
    weights: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .superRefine((spec, ctx) => {
    if (typeof spec.voters === 'number' && spec.quorum !== undefined && spec.quorum > spec.voters) {
      ctx.addIssue({
        code: 'custom',
        path: ['quorum'],
        message: `consensus.quorum (${spec.quorum}) must be at most consensus.voters (${spec.voters}): lower the quorum or add voters`,
      });
    }
    if (spec.weights !== undefined && spec.method !== 'weighted') {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: "consensus.weights applies to method 'weighted' only: set method: 'weighted' or drop weights" });
    }
  });
export type ConsensusSpec = z.infer<typeof ConsensusSpecSchema>;
export type ConsensusSpecInput = z.input<typeof ConsensusSpecSchema>;

/** A ballot that was counted: who, what, with which weight, and the signed message it came in. */
export const CountedBallotSchema = z.object({
  voter: z.string(),
  choice: z.unknown(),
  weight: z.number().nonnegative(),
  message: DeliveredMessageSchema,
});
export type CountedBallot = z.infer<typeof CountedBallotSchema>;

export const RejectedBallotSchema = z.object({
  /** The voter the ballot came from (the signer), or claimed to. */
  voter: z.string(),
  reason: BallotRejectionSchema,
  messageId: z.string().optional(),
});
export type RejectedBallot = z.infer<typeof RejectedBallotSchema>;

export const AbstentionSchema = z.object({ voter: z.string(), reason: AbstentionReasonSchema });
export type Abstention = z.infer<typeof AbstentionSchema>;

/** What a vote decided, and everything it was decided from. */
export const ConsensusDecisionSchema = z.object({
  proposalId: z.string(),
  method: ConsensusMethodSchema,
  outcome: ConsensusOutcomeSchema,
  /** The decided answer (the first counted ballot's wording of it); only when `outcome` is 'decided'. */
  value: z.unknown().optional(),
  /** Ballots (or weight) behind the decided answer. */
  support: z.number().nonnegative().optional(),
  /** The answers that tied (one wording each), when `outcome` is 'tie'. */
  tied: z.array(z.unknown()).optional(),
  /** Why nothing was decided, in words. */
  reason: z.string().optional(),
  voters: z.array(z.string()),
  quorum: z.number().int().positive(),
  ballots: z.array(CountedBallotSchema),
  abstentions: z.array(AbstentionSchema),
  rejected: z.array(RejectedBallotSchema),
});
export type ConsensusDecision = z.infer<typeof ConsensusDecisionSchema>;
