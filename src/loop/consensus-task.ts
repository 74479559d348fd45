import { createHash, randomBytes } from 'node:crypto';
import { BALLOT_MESSAGE_TYPE, type ConsensusDecision, type ConsensusSpec } from '../contracts/consensus.js';
import type { DeliveredMessage } from '../contracts/network.js';
import type { Task } from '../contracts/scheduler.js';
import { NoError } from '../contracts/errors.js';
import { coerceQuorum, decide, normalizeText, tallyBallots, verifyBallotSignature, type EqualityOptions } from '../coordination/index.js';
import { canonicalJson, createAgentNetwork, createAgentRegistry, createKeyring, type AgentNetwork, type Keyring } from '../network/index.js';
import { runTask, type TaskOutcome, type TaskRunEnv } from './run-task.js';

/** The recipient named in the loop's ballots: the coordinator counts them, no agent reads them. */
export const LOOP_TALLY_ID = 'no-consensus-tally';

export interface ConsensusTaskEnv extends TaskRunEnv {
  /** Signs each voter's ballot with the voter's identity: the loop's network, or one of its own. */
  signer: AgentNetwork;
  /** Votes (and judge verdicts) stored by an interrupted try of this superstep. */
  storedVotes: ReadonlyMap<string, TaskOutcome>;
  /** Stores one voter's vote, or a judge's verdict, in the checkpointer before the vote goes on (rejects when the run stopped). */
  storeVote(vote: TaskOutcome): Promise<void>;
  equality?: EqualityOptions;
}

// Loops without a network sign with keys derived from one secret per process, so a loop made again
// in this process (a resume) still verifies the ballots stored before; another process cannot, and
// asks those voters again. Give the loop a network with a keyring `secret` to keep them across processes.
let processKeyring: Keyring | undefined;

/** The loop's network, or a signer of its own (made on first use, kept on `holder`). */
export function ballotSigner(network: AgentNetwork | undefined, holder: { ballotNetwork?: AgentNetwork }): AgentNetwork {
  if (network) return network;
  processKeyring ??= createKeyring({ secret: randomBytes(32) });
  holder.ballotNetwork ??= createAgentNetwork({ registry: createAgentRegistry(), keyring: processKeyring });
  return holder.ballotNetwork;
}

/**
 * Runs a task with `consensus`: once per voter, each voter pinned to its own agent (so limits,
 * resources, retries and timeouts apply to every voter as to any task), each answer signed by its
 * agent's identity and stored as that voter's vote the moment it is known. A resumed try reads the
 * stored votes back and asks only the voters without one; a stored ballot that no longer verifies
 * (keys that did not survive a restart) is asked again rather than trusted. Then it tallies, decides,
 * announces `no.consensus.decided`, and ends the task: completed with the decided answer; else the
 * task's fallback value if it has one, else failed.
 */
export async function runConsensusTask(task: Task, env: ConsensusTaskEnv): Promise<TaskOutcome> {
  const spec = task.consensus as ConsensusSpec;
  const proposalId = env.idempotencyKey(task.id);
  const capability = typeof spec.voters === 'number' ? task.capability : spec.voters.capability;
  const identityOf = (id: string) => env.signer.identity(id);
  const verified = (vote: TaskOutcome): boolean => vote.vote?.ballot === undefined || verifyBallotSignature(vote.vote.ballot, identityOf);
  const stored = [...env.storedVotes.values()];
  const kept = stored.filter((v) => v.vote !== undefined && verified(v));
  const verdicts = new Map(stored.flatMap((v) => (v.verdict ? [[v.verdict.pair, v.verdict.same] as const] : [])));
  const keptIds = new Set(kept.map((v) => v.vote!.voter));
  const capable = [...env.pool.capable(capability)].sort();
  const wanted = typeof spec.voters === 'number' ? spec.voters : capable.length;
  // In id order, as an uninterrupted try asks them: a resumed vote groups the answers (and asks its
  // judge about pairs) in the same order, so stored verdicts apply and the decided value is the same.
  const voters = [...keptIds, ...capable.filter((id) => !keptIds.has(id))].slice(0, Math.max(wanted, keptIds.size)).sort();
  const base = { taskId: task.id, idempotencyKey: proposalId, errors: [], recoveries: [], usedFallback: false };
  if (voters.length < wanted || wanted === 0) {
    const where = capability === undefined ? 'in the pool' : `with capability '${capability}'`;
    return { ...base, status: 'failed', attempts: 0, durationMs: 0,
      error: { message: `consensus task '${task.id}' needs ${wanted || 1} distinct agent(s) ${where}, the pool has ${capable.length}: add agents or lower consensus.voters`, classification: 'bad-input', code: 'NO_CAPABLE_AGENT' } };
  }
  const quorum = coerceQuorum(voters.length, spec.quorum);
  const startedAt = (env.now ?? Date.now)();
  const voterTask: Task = { ...task, capability, fallback: undefined, consensus: undefined };
  const ask = async (voter: string): Promise<TaskOutcome> => {
    const outcome = await runTask(voterTask, {
      ...env,
      idempotencyKey: (id) => `${env.idempotencyKey(id)}:${voter}`,
      exclude: new Set(env.pool.ids().filter((id) => id !== voter)),
      // A voter that fails abstains; it never stops the run.
      onFatal: () => {},
    });
    if (outcome.status === 'cancelled' || outcome.status === 'skipped') return outcome;
    let ballot: DeliveredMessage | undefined;
    if (outcome.status === 'completed') {
      try {
        ballot = env.signer.sign(voter, { to: LOOP_TALLY_ID }, {
          type: BALLOT_MESSAGE_TYPE, payload: { proposalId, voter, choice: outcome.output ?? null }, correlationId: proposalId,
        });
      } catch (error) {
        // An answer the network will not sign (too large, a revoked agent) is no ballot.
        outcome.errors.push({ taskId: task.id, agentId: voter, classification: 'bad-input', message: (error as Error).message, attempt: outcome.attempts, at: Date.now() });
      }
    }
    const { output: _output, ...rest } = outcome;
    const vote: TaskOutcome = { ...rest, vote: ballot === undefined ? { voter } : { voter, ballot } };
    await env.storeVote(vote);
    return vote;
  };
  const fresh = await Promise.all(voters.filter((v) => !keptIds.has(v)).map(ask));
  const votes = [...kept, ...fresh].sort((a, b) => voters.indexOf(a.vote?.voter ?? '') - voters.indexOf(b.vote?.voter ?? ''));
  const errors = votes.flatMap((v) => v.errors);
  const recoveries = votes.flatMap((v) => v.recoveries);
  const attempts = votes.reduce((n, v) => n + v.attempts, 0);
  const stopped = fresh.find((v) => v.status === 'cancelled' || v.status === 'skipped');
  if (stopped) {
    // The run stopped, or a dependency failed: the task ends as its voters did, under its own key.
    const { vote: _vote, ...ended } = stopped;
    return { ...ended, taskId: task.id, idempotencyKey: proposalId, errors, recoveries, attempts };
  }

  const tally = tallyBallots({
    proposalId,
    voters,
    messages: votes.flatMap((v) => (v.vote?.ballot ? [v.vote.ballot] : [])),
    failed: new Set(votes.filter((v) => v.vote?.ballot === undefined).map((v) => v.vote!.voter)),
    identityOf,
    weightOf: (voter) => spec.weights?.[voter] ?? 1,
  });
  const equality: EqualityOptions = {
    ...(spec.equality === 'text' ? { normalize: normalizeText } : {}),
    ...env.equality,
    ...(spec.judge ? { judge: judgeAgent(task, spec.judge.capability, env, verdicts) } : {}),
  };
  let decision: ConsensusDecision;
  try {
    decision = await decide(proposalId, voters, tally, { ...equality, method: spec.method, quorum, signal: env.signal });
  } catch (error) {
    return { ...base, errors, recoveries, attempts, durationMs: 0, status: env.signal.aborted ? 'cancelled' : 'failed',
      error: { message: `consensus task '${task.id}' could not compare its answers: ${(error as Error).message}; check the judge (its agents, or the loop's consensus option)`, classification: 'agent-fault', code: 'TASK_FAILED' } };
  }
  env.emitter.emit('no.consensus.decided', {
    taskId: task.id, proposalId, method: decision.method, outcome: decision.outcome,
    ...(decision.outcome === 'decided' ? { value: decision.value ?? null, support: decision.support } : {}),
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    voters: voters.length, quorum, ballots: decision.ballots.length,
    abstentions: decision.abstentions, rejected: decision.rejected.map(({ voter, reason }) => ({ voter, reason })),
    replayedBallots: kept.length,
  });
  const finishedAt = (env.now ?? Date.now)();
  const ended = { ...base, errors, recoveries, attempts, durationMs: finishedAt - startedAt, consensus: decision };
  if (decision.outcome === 'decided') return { ...ended, status: 'completed', output: decision.value, startedAt, finishedAt };
  if (task.fallback?.value !== undefined) return { ...ended, status: 'completed', output: task.fallback.value, usedFallback: true };
  return { ...ended, status: 'failed',
    error: { message: `consensus task '${task.id}' reached no decision (${decision.outcome}: ${decision.reason}); add voters, lower the quorum, compare answers more loosely (consensus.equality, the loop's consensus option) or give the task a fallback value`, classification: 'agent-fault', code: 'TASK_FAILED' } };
}

/** Names a pair of answers, in the order the judge is asked: the same pair gives the same name in any process. */
export function judgePairOf(a: unknown, b: unknown): string {
  return createHash('sha256').update(canonicalJson([a ?? null, b ?? null])).digest('hex').slice(0, 32);
}

/**
 * Asks an agent of `capability` whether two answers say the same, as a task attempt of its own
 * (limits, retries and timeouts apply). Each verdict is stored with the votes as it is known, and
 * a pair already judged (in a try of this superstep before a crash) is not asked again; the
 * attempt's idempotency key names the pair, so a resumed judge job is the pair's own.
 */
function judgeAgent(task: Task, capability: string, env: ConsensusTaskEnv, verdicts: ReadonlyMap<string, boolean>): NonNullable<EqualityOptions['judge']> {
  return async (a, b) => {
    const pair = judgePairOf(a, b);
    const stored = verdicts.get(pair);
    if (stored !== undefined) return stored;
    const outcome = await runTask({ ...task, capability, input: { kind: 'consensus.judge', question: task.input ?? null, a, b }, fallback: undefined, consensus: undefined }, {
      ...env,
      idempotencyKey: (id) => `${env.idempotencyKey(id)}:judge:${pair}`,
      onFatal: () => {},
    });
    if (outcome.status !== 'completed') throw new NoError('TASK_FAILED', `the judge (capability '${capability}') failed: ${outcome.error?.message ?? outcome.status}`, { details: { taskId: task.id, capability } });
    const verdict = outcome.output as { same?: unknown } | boolean | null | undefined;
    const same = verdict === true || (typeof verdict === 'object' && verdict !== null && verdict.same === true);
    const { output: _output, ...rest } = outcome;
    await env.storeVote({ ...rest, taskId: task.id, verdict: { pair, same } });
    return same;
  };
}
