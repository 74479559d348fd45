import { randomUUID } from 'node:crypto';
import { BALLOT_MESSAGE_TYPE, BallotPayloadSchema, ConsensusMethodSchema, type BallotPayload, type ConsensusDecision, type ConsensusMethod } from '../contracts/consensus.js';
import { NoError } from '../contracts/errors.js';
import { createListeners, type Unsubscribe } from '../contracts/listeners.js';
import type { DeliveredMessage } from '../contracts/network.js';
import type { AgentNetwork } from '../network/index.js';
import { bulkhead, timeout, wrap } from '../resilience/index.js';
import type { EqualityOptions } from './equality.js';
import { decide, tallyBallots } from './tally.js';

/** @default 'consensus-tally' — the agent whose mailbox receives the ballots. */
export const DEFAULT_CONSENSUS_TALLY_ID = 'consensus-tally';
/** @default 60_000 — how long one voter may take to answer; after it, the voter has failed. */
export const DEFAULT_VOTE_TIMEOUT_MS = 60_000;
/** What `ask` returns for a voter that abstains: a signed ballot that counts for nothing. */
export const ABSTAIN: unique symbol = Symbol.for('langgraph-no.consensus.abstain');

/** More than half of the voters: the smallest quorum under which two quorums always overlap. */
export function defaultQuorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** The quorum for `voters`, checked: a whole number from 1 to the number of voters. */
export function coerceQuorum(voters: number, quorum: number | undefined): number {
  if (voters < 1) {
    throw new NoError('INVALID_INPUT', 'a vote needs at least one voter: name voters, or register agents with the voters capability', { details: { voters } });
  }
  if (quorum === undefined) return defaultQuorum(voters);
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > voters) {
    throw new NoError('INVALID_INPUT', `quorum must be a whole number from 1 to the ${voters} voter(s), got ${quorum}: lower the quorum or add voters`, { details: { voters, quorum } });
  }
  return quorum;
}

/** A question put to the voters; `id` names it (ballots are for one proposal), a new UUID if absent. */
export interface Proposal {
  id?: string;
  question: unknown;
}

export interface VoteContext {
  proposalId: string;
  voter: string;
  /** Aborts at the vote's timeout or when the caller's signal aborts. */
  signal: AbortSignal;
}

export interface ConsensusOptions extends EqualityOptions {
  /** Ballots travel over it, signed by each voter's identity; its registry finds voters by capability. */
  network: AgentNetwork;
  /** The voters (agent ids of the network), or every registered agent with a capability. */
  voters: readonly string[] | { capability: string };
  /**
   * How one voter answers (calls its agent, its model ...). Return the answer (for `ranked`, an
   * array, best first), or ABSTAIN. A throw, a rejection or the timeout means the voter failed: it
   * casts no ballot.
   */
  ask: (voter: string, question: unknown, context: VoteContext) => unknown;
  /** @default 'majority' */
  method?: ConsensusMethod;
  /** Counted ballots a decision needs. @default defaultQuorum(number of voters) */
  quorum?: number;
  /** Weight per voter for 'weighted'; a voter not named weighs 1. @default every voter weighs 1 */
  weights?: Readonly<Record<string, number>>;
  /** @default DEFAULT_CONSENSUS_TALLY_ID; registered in the network's registry when absent */
  tallyId?: string;
  /** @default DEFAULT_VOTE_TIMEOUT_MS */
  timeoutMs?: number;
  /**
   * Voters asked at once, over all of this consensus's proposals (the timeout starts when a voter's
   * turn comes). @default every voter at once
   */
  maxConcurrent?: number;
}

export interface Consensus {
  /**
   * Puts the proposal to every voter at once, has each answer signed by its voter and sent to the
   * tally over the network, then counts the ballots the tally received: forged ones and both ballots
   * of a voter who equivocated are rejected, and the method decides on the rest.
   * Resolves with the decision whatever it is (decided, tie, no-quorum, undecided); rejects only when
   * the caller's signal aborts or the judge fails.
   */
  proposeAndVote(proposal: Proposal, options?: { signal?: AbortSignal }): Promise<ConsensusDecision>;
  /** Called with every decision (a listener that throws: as for every `onX` in the package). */
  onDecision(listener: (decision: ConsensusDecision) => void): Unsubscribe;
}

/**
 * Votes among agents over a signed agent network. With n ≥ 3f + 1 voters of which at most f lie,
 * equivocate or forge, and a quorum of at most n − f, the honest answer wins whenever the honest
 * voters agree: equivocators and forgeries never count, so at most f ballots oppose n − f.
 *
 * @example
 * const consensus = createConsensus({
 *   network,
 *   voters: { capability: 'classify' },
 *   ask: (voter, question, { signal }) => agents[voter].invoke(question, { signal }),
 *   normalize: normalizeText,
 * });
 * const decision = await consensus.proposeAndVote({ question: 'Is this email spam?' });
 * if (decision.outcome === 'decided') console.log(decision.value);
 */
export function createConsensus(options: ConsensusOptions): Consensus {
  const given = (options ?? {}) as Partial<ConsensusOptions>;
  if (typeof given.network?.sendMessage !== 'function') {
    throw new NoError('INVALID_REQUEST', 'createConsensus needs the agent network the ballots travel on: pass { network: createAgentNetwork(), voters, ask }', { details: {} });
  }
  if (given.voters === undefined) {
    throw new NoError('INVALID_REQUEST', 'createConsensus needs voters: agent ids (["a", "b", "c"]) or { capability }', { details: {} });
  }
  if (typeof given.ask !== 'function') {
    throw new NoError('INVALID_REQUEST', "createConsensus needs ask: (voter, question, { signal }) => the voter's answer", { details: {} });
  }
  const { network } = options;
  const method = ConsensusMethodSchema.safeParse(options.method ?? 'majority');
  if (!method.success) {
    throw new NoError('INVALID_INPUT', `unknown consensus method ${JSON.stringify(options.method)}: use one of ${ConsensusMethodSchema.options.join(', ')}`, { details: { method: options.method } });
  }
  for (const [voter, weight] of Object.entries(options.weights ?? {})) {
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new NoError('INVALID_INPUT', `weight of voter ${voter} must be a finite number ≥ 0, got ${weight}`, { details: { voter, weight } });
    }
  }
  const tallyId = options.tallyId ?? DEFAULT_CONSENSUS_TALLY_ID;
  const timeoutMs = options.timeoutMs ?? DEFAULT_VOTE_TIMEOUT_MS;
  const limit = options.maxConcurrent === undefined ? undefined : bulkhead({ maxConcurrent: options.maxConcurrent, maxQueue: Number.MAX_SAFE_INTEGER });
  const decisions = createListeners<ConsensusDecision>();
  // Ballots for proposals being voted on, by proposal id; anything else in the tally's mailbox is dropped.
  const open = new Map<string, DeliveredMessage[]>();

  const keepTallyAlive = (): void => {
    if (network.registry.get(tallyId) === undefined) network.registry.register({ id: tallyId });
    else network.registry.heartbeat(tallyId);
  };
  const collect = async (): Promise<void> => {
    keepTallyAlive();
    for (const message of await network.receive(tallyId)) {
      const payload = BallotPayloadSchema.safeParse(message.payload);
      const proposalId = payload.success ? payload.data.proposalId : undefined;
      if (proposalId !== undefined) open.get(proposalId)?.push(message);
    }
  };
  const votersNow = async (): Promise<string[]> => {
    const voters = Array.isArray(options.voters)
      ? [...(options.voters as readonly string[])]
      : (await network.registry.findAgents({ capability: (options.voters as { capability: string }).capability })).map((a) => a.id).sort();
    if (new Set(voters).size !== voters.length) {
      throw new NoError('INVALID_INPUT', 'each voter may be named once: remove the repeated voter ids', { details: { voters } });
    }
    const unknown = voters.filter((id) => network.registry.get(id) === undefined);
    if (unknown.length > 0) {
      throw new NoError('AGENT_NOT_FOUND', `voter(s) ${unknown.join(', ')} are not registered in the network's registry: register them (registry.register({ id })) so their ballots can be verified`, { details: { voters: unknown } });
    }
    if (voters.includes(tallyId)) {
      throw new NoError('INVALID_INPUT', `the tally ${tallyId} cannot vote: give the consensus another tallyId`, { details: { tallyId } });
    }
    return voters;
  };

  const castBallot = async (voter: string, proposalId: string, question: unknown, signal?: AbortSignal): Promise<boolean> => {
    let answer: unknown;
    try {
      const asked = timeout(timeoutMs);
      answer = await (limit ? wrap(limit, asked) : asked).execute(
        async ({ signal: voteSignal }) => options.ask(voter, question, { proposalId, voter, signal: voteSignal }),
        signal,
      );
    } catch {
      return false;
    }
    const payload: BallotPayload = answer === ABSTAIN ? { proposalId, voter, abstain: true } : { proposalId, voter, choice: answer ?? null };
    try {
      await network.sendMessage(voter, tallyId, { type: BALLOT_MESSAGE_TYPE, payload, correlationId: proposalId.slice(0, 128) }, { signal });
      return true;
    } catch {
      // A voter the network refuses (revoked, too large an answer, a full tally mailbox) casts no ballot.
      return false;
    }
  };

  return {
    async proposeAndVote(proposal, { signal } = {}) {
      signal?.throwIfAborted();
      const voters = await votersNow();
      const quorum = coerceQuorum(voters.length, options.quorum);
      const proposalId = proposal.id ?? randomUUID();
      if (typeof proposalId !== 'string' || proposalId.length < 1 || proposalId.length > 256) {
        throw new NoError('INVALID_INPUT', 'a proposal id must be a string of 1 to 256 characters: shorten it, or leave it out for a new UUID', { details: { proposalId } });
      }
      if (open.has(proposalId)) {
        throw new NoError('INVALID_INPUT', `proposal ${proposalId} is already being voted on: give each proposal its own id`, { details: { proposalId } });
      }
      keepTallyAlive();
      open.set(proposalId, []);
      try {
        const cast = await Promise.all(voters.map((voter) => castBallot(voter, proposalId, proposal.question, signal)));
        signal?.throwIfAborted();
        await collect();
        const failed = new Set(voters.filter((_, i) => !cast[i]));
        const tally = tallyBallots({
          proposalId,
          voters,
          messages: open.get(proposalId)!,
          failed,
          identityOf: (id) => (network.registry.get(id) === undefined ? undefined : network.identity(id)),
          weightOf: (voter) => (method.data === 'weighted' ? (options.weights?.[voter] ?? 1) : 1),
        });
        const decision = await decide(proposalId, voters, tally, { ...options, method: method.data, quorum, signal });
        network.audit.append({
          actor: tallyId,
          action: 'consensus.decide',
          outcome: decision.outcome === 'decided' ? 'success' : 'failure',
          details: { proposalId, method: decision.method, outcome: decision.outcome, ballots: decision.ballots.length,
            abstentions: decision.abstentions.length, rejected: decision.rejected.map((r) => ({ voter: r.voter, reason: r.reason })) },
        });
        decisions.emit(decision);
        return decision;
      } finally {
        open.delete(proposalId);
      }
    },
    onDecision: decisions.on,
  };
}
