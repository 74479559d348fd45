import { createPublicKey, verify } from 'node:crypto';
import {
  BALLOT_MESSAGE_TYPE,
  BallotPayloadSchema,
  type Abstention,
  type ConsensusDecision,
  type ConsensusMethod,
  type CountedBallot,
  type RejectedBallot,
} from '../contracts/consensus.js';
import type { DeliveredMessage } from '../contracts/network.js';
import { canonicalJson, signingBytes, type AgentIdentity } from '../network/index.js';
import { decideGroups, type GroupedBallot } from './decide.js';
import { groupAnswers, type EqualityOptions } from './equality.js';

/** Whether the message's signature is its sender's: the sender's public key checks the signed bytes. */
export function verifyBallotSignature(message: DeliveredMessage, identityOf: (agentId: string) => AgentIdentity | undefined): boolean {
  const identity = identityOf(message.from);
  if (identity === undefined) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(identity.publicKey, 'base64'), format: 'der', type: 'spki' });
    const { signature, ...unsigned } = message;
    const bytes = Buffer.from(signature, 'base64url');
    if (bytes.length !== 64 || bytes.toString('base64url') !== signature) return false;
    return verify(null, signingBytes(unsigned), key, bytes);
  } catch {
    return false;
  }
}

export interface TallyInput {
  proposalId: string;
  /** The electorate, in order: the first voter's wording of an answer is the one reported. */
  voters: readonly string[];
  /** Every message received for the proposal, in any order, duplicates and forgeries included. */
  messages: readonly DeliveredMessage[];
  /** Voters known to have given no answer, and why (failed, timed out); the others without a ballot are 'no-ballot'. */
  failed?: ReadonlySet<string>;
  identityOf: (agentId: string) => AgentIdentity | undefined;
  weightOf?: (voter: string) => number;
}

export interface Tally {
  ballots: CountedBallot[];
  abstentions: Abstention[];
  rejected: RejectedBallot[];
}

/**
 * Sorts the received messages into counted ballots, abstentions and rejections. A ballot counts only
 * when it is well formed, comes from a voter, carries its signer's valid signature and names its
 * signer as the voter (else it is forged). A voter who cast two different ballots for the proposal
 * equivocated: neither counts, and it is reported. The same ballot received twice counts once.
 */
export function tallyBallots(input: TallyInput): Tally {
  const electorate = new Set(input.voters);
  const rejected: RejectedBallot[] = [];
  const byVoter = new Map<string, Array<{ message: DeliveredMessage; abstain: boolean; choice: unknown }>>();
  for (const message of input.messages) {
    if (message.type !== BALLOT_MESSAGE_TYPE) continue;
    const parsed = BallotPayloadSchema.safeParse(message.payload);
    if (parsed.success && parsed.data.proposalId !== input.proposalId) continue;
    const reject = (reason: RejectedBallot['reason']): void => void rejected.push({ voter: message.from, reason, messageId: message.id });
    if (!parsed.success || (parsed.data.abstain === true && parsed.data.choice !== undefined)) {
      reject('malformed');
      continue;
    }
    if (!electorate.has(message.from)) reject('not-a-voter');
    else if (!verifyBallotSignature(message, input.identityOf)) reject('bad-signature');
    else if (parsed.data.voter !== message.from) reject('forged');
    else {
      const list = byVoter.get(message.from) ?? [];
      list.push({ message, abstain: parsed.data.abstain === true, choice: parsed.data.choice });
      byVoter.set(message.from, list);
    }
  }
  const ballots: CountedBallot[] = [];
  const abstentions: Abstention[] = [];
  for (const voter of input.voters) {
    const list = byVoter.get(voter);
    if (list === undefined) {
      abstentions.push({ voter, reason: input.failed?.has(voter) ? 'failed' : 'no-ballot' });
      continue;
    }
    const distinct = new Set(list.map((b) => (b.abstain ? '\u0000abstain' : canonicalJson(b.choice ?? null))));
    if (distinct.size > 1) {
      for (const b of list) rejected.push({ voter, reason: 'equivocation', messageId: b.message.id });
      continue;
    }
    const first = list[0]!;
    if (first.abstain) abstentions.push({ voter, reason: 'abstained' });
    else ballots.push({ voter, choice: first.choice ?? null, weight: input.weightOf?.(voter) ?? 1, message: first.message });
  }
  return { ballots, abstentions, rejected };
}

export interface DecideOptions extends EqualityOptions {
  method: ConsensusMethod;
  quorum: number;
  signal?: AbortSignal | undefined;
}

/** Decides on a tally: groups the answers by the equality options, then applies the method. */
export async function decide(proposalId: string, voters: readonly string[], tally: Tally, options: DecideOptions): Promise<ConsensusDecision> {
  const rankings = tally.ballots.map((b) => (options.method === 'ranked' && Array.isArray(b.choice) ? (b.choice as unknown[]) : [b.choice]));
  const atoms = rankings.flat();
  const { groupOf, representatives } = await groupAnswers(atoms, options, options.signal);
  let at = 0;
  const grouped: GroupedBallot[] = rankings.map((ranking, i) => {
    const groups = ranking.map(() => groupOf[at++]!);
    // A ranking that names one answer twice counts it at its best place.
    return { weight: tally.ballots[i]!.weight, ranking: groups.filter((g, j) => groups.indexOf(g) === j) };
  });
  // Empty rankings (ranked ballots with no answer) abstain in effect: they cannot count for anything.
  const counting = grouped.filter((b) => b.ranking.length > 0);
  const result = decideGroups(counting, options.method, options.quorum);
  const base = { proposalId, method: options.method, voters: [...voters], quorum: options.quorum, ...tally };
  switch (result.outcome) {
    case 'decided':
      return { ...base, outcome: 'decided', value: representatives[result.group], support: result.support };
    case 'tie':
      return { ...base, outcome: 'tie', tied: result.groups.map((g) => representatives[g]), reason: result.reason };
    default:
      return { ...base, outcome: result.outcome, reason: result.reason };
  }
}
