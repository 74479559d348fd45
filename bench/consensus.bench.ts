/**
 * Voting among noisy agents: each agent answers a question right with probability 0.7, else with one
 * of many wrong answers, after a short random delay. For 1, 3, 5 and 7 voters (majority of signed
 * ballots over the agent network), reports the accuracy of the decision next to the theory (the
 * chance that more than half of n independent voters are right), what else the vote ended with, the
 * time per decision and the agent calls per decision.
 * The second table runs the same votes as tasks with `consensus` inside a master loop (MemorySaver,
 * seven agents, every ballot checkpointed), so the time includes dispatch, signing and storage.
 * Run with `node --import tsx bench/consensus.bench.ts` (CONSENSUS_TRIALS=2000 for more).
 */
import { createAgentNetwork, createAgentRegistry } from '../src/network/index.js';
import { createConsensus } from '../src/coordination/index.js';
import { createMasterAgentLoop, type AgentDefinition } from '../src/loop/index.js';
import { MemorySaver } from '@langchain/langgraph';
import { median, printTable, round } from './lib/loop-bench.js';

const TRIALS = Number(process.env.CONSENSUS_TRIALS ?? 1000);
const P_RIGHT = 0.7;
const WRONG_ANSWERS = 20;
const SIZES = [1, 3, 5, 7] as const;

// Seeded, so two runs compare (mulberry32).
let seed = 0x5eed;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const binomial = (n: number, k: number): number => {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
};
const theory = (n: number): number => {
  let p = 0;
  for (let k = Math.floor(n / 2) + 1; k <= n; k++) p += binomial(n, k) * P_RIGHT ** k * (1 - P_RIGHT) ** (n - k);
  return p;
};

async function main(): Promise<void> {
  const rows = [];
  for (const n of SIZES) {
    const registry = createAgentRegistry({ heartbeatTtlMs: 3_600_000 });
    const voters = Array.from({ length: n }, (_, i) => `agent-${i + 1}`);
    for (const id of voters) registry.register({ id, capabilities: ['answer'] });
    const network = createAgentNetwork({ registry });
    let calls = 0;
    const consensus = createConsensus({
      network,
      voters: { capability: 'answer' },
      ask: async (_voter, question) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(random() * 3)));
        return random() < P_RIGHT ? (question as { truth: string }).truth : `wrong-${Math.floor(random() * WRONG_ANSWERS)}`;
      },
    });
    const outcomes = { right: 0, wrong: 0, tie: 0, undecided: 0, 'no-quorum': 0 };
    const ms: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const started = performance.now();
      const decision = await consensus.proposeAndVote({ question: { truth: 'right' } });
      ms.push(performance.now() - started);
      if (decision.outcome === 'decided') outcomes[decision.value === 'right' ? 'right' : 'wrong']++;
      else outcomes[decision.outcome]++;
    }
    network.close();
    const accuracy = outcomes.right / TRIALS;
    // 95% interval of the measured accuracy (normal approximation).
    const margin = 1.96 * Math.sqrt((accuracy * (1 - accuracy)) / TRIALS);
    rows.push({
      voters: n, accuracy: round(accuracy, 3), margin95: round(margin, 3), theory: round(theory(n), 3),
      wrong: outcomes.wrong, tie: outcomes.tie, undecided: outcomes.undecided, noQuorum: outcomes['no-quorum'],
      medianMs: round(median(ms), 2), callsPerDecision: round(calls / TRIALS, 2),
    });
  }
  printTable(`majority vote, agents right with p = ${P_RIGHT}, ${TRIALS} questions per size`,
    ['voters', 'accuracy', '± 95%', 'theory', 'wrong', 'tie', 'undecided', 'no quorum', 'ms / decision (median)', 'calls / decision'],
    rows.map((r) => [r.voters, r.accuracy, r.margin95, r.theory, r.wrong, r.tie, r.undecided, r.noQuorum, r.medianMs, r.callsPerDecision]));
  console.log(JSON.stringify({ bench: 'consensus', trials: TRIALS, pRight: P_RIGHT, rows }));
  await inLoop();
}

const LOOP_TASKS = Number(process.env.CONSENSUS_LOOP_TASKS ?? 300);

async function inLoop(): Promise<void> {
  const rows = [];
  for (const n of SIZES) {
    let calls = 0;
    const agents: AgentDefinition[] = Array.from({ length: 7 }, (_, i) => ({
      id: `agent-${i + 1}`,
      capabilities: ['answer'],
      maxConcurrency: 4,
      run: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(random() * 3)));
        return random() < P_RIGHT ? 'right' : `wrong-${Math.floor(random() * WRONG_ANSWERS)}`;
      },
    }));
    const loop = createMasterAgentLoop({ agents, checkpointer: new MemorySaver() });
    const tasks = Array.from({ length: LOOP_TASKS }, (_, i) => ({
      id: `q${i}`, capability: 'answer', consensus: { voters: n }, fallback: { value: 'no decision' },
    }));
    const started = performance.now();
    const out = await loop.invoke({ request: { tasks, strategy: 'parallel' as const } }, { configurable: { thread_id: `bench-${n}` } });
    const ms = performance.now() - started;
    const right = Object.values(out.results).filter((r) => r === 'right').length;
    const undecided = Object.values(out.results).filter((r) => r === 'no decision').length;
    const accuracy = right / LOOP_TASKS;
    rows.push({ voters: n, accuracy: round(accuracy, 3), margin95: round(1.96 * Math.sqrt((accuracy * (1 - accuracy)) / LOOP_TASKS), 3), theory: round(theory(n), 3), undecided, msPerTask: round(ms / LOOP_TASKS, 2), callsPerTask: round(calls / LOOP_TASKS, 2) });
  }
  printTable(`tasks with consensus in a master loop (MemorySaver), ${LOOP_TASKS} tasks per size, 7 agents x 4 slots`,
    ['voters', 'accuracy', '± 95%', 'theory', 'no decision', 'ms / task (wall, parallel)', 'calls / task'],
    rows.map((r) => [r.voters, r.accuracy, r.margin95, r.theory, r.undecided, r.msPerTask, r.callsPerTask]));
  console.log(JSON.stringify({ bench: 'consensus-loop', tasks: LOOP_TASKS, pRight: P_RIGHT, rows }));
}

void main();
