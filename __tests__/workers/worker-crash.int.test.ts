/**
 * Three worker processes (the real CLI on a shared agents module) run a run's tasks; one is
 * SIGKILLed while it runs a task. BullMQ's stall check hands that job to another worker within the
 * crash bound, with the same idempotency key, and the run completes with the right results, every
 * task having run to completion exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySaver } from '@langchain/langgraph';
import { jobQueue, type JobQueue } from '../../src/distribution/index';
import { createMasterAgentLoop } from '../../src/loop/index';
import { agents } from './fixtures/agents';
import { startWorker, type WorkerProcess } from './fixtures/worker-process';
import { countBy, dropPrefix, expectedValues, layeredTasks, readLog, REDIS_URL, uniquePrefix, waitFor } from './helpers';

const CRASH_BOUND_S = 2;
const LAYERS = 3;
const WIDTH = 4;
const TASK_MS = 400;

const prefix = uniquePrefix('crash');
let dir: string;
let logFile: string;
let workers: WorkerProcess[] = [];
let distribution: JobQueue | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'no-workers-'));
  logFile = join(dir, 'log.jsonl');
  const args = ['--redis', REDIS_URL, '--prefix', prefix, '--crash-bound', String(CRASH_BOUND_S), '--only', 'sleeper'];
  workers = await Promise.all([0, 1, 2].map(() => startWorker(args, { NO_WORKERS_LOG: logFile })));
}, 40_000);

afterAll(async () => {
  await distribution?.close();
  for (const w of workers) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await dropPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

describe('a run on three worker processes, one SIGKILLed mid-task', () => {
  it('completes with the right results, each task run to completion once, the killed task retried elsewhere within the crash bound', async () => {
    distribution = jobQueue({ connection: REDIS_URL, prefix });
    // The coordinator's timeout is far above the crash bound: the retry must come from BullMQ's stall check.
    const loop = createMasterAgentLoop({ agents, checkpointer: new MemorySaver(), distribution, attemptTimeoutMs: 20_000, retries: 0 });
    const run = loop.invoke({ request: { tasks: layeredTasks(LAYERS, WIDTH, TASK_MS) } }, { configurable: { thread_id: 'crash' } });

    const victim = workers[0]!;
    const killed = await waitFor('a task started on the first worker', () => readLog(logFile).find((l) => l.ev === 'start' && l.pid === victim.pid));
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const out = await run;

    expect(out.status).toBe('completed');
    const expected = expectedValues(LAYERS, WIDTH);
    expect(Object.fromEntries(Object.entries(out.results).map(([id, r]) => [id, (r as { value: number }).value]))).toEqual(expected);
    // No agent ran in the coordinator's process.
    expect(Object.values(out.results).every((r) => (r as { by: number }).by !== process.pid)).toBe(true);

    const lines = readLog(logFile);
    const ends = countBy(lines, 'end');
    // Every task ran to completion exactly once, under its own idempotency key.
    expect(Object.keys(expected).map((id) => ends.get(out.tasks[id]!.idempotencyKey))).toEqual(Object.keys(expected).map(() => 1));
    // The killed task started again on a surviving worker, with the same key and attempt number (the
    // same job), within the crash bound plus one stall-check interval of slack.
    const again = lines.filter((l) => l.ev === 'start' && l.key === killed.key && l.pid !== victim.pid);
    expect(again).toHaveLength(1);
    expect(again[0]!.attempt).toBe(killed.attempt);
    expect(again[0]!.at - killedAt).toBeLessThanOrEqual(CRASH_BOUND_S * 1000 + 1_500);
    expect(lines.filter((l) => l.ev === 'end' && l.pid === victim.pid)).toEqual([]);
    expect(out.tasks[killed.taskId]).toMatchObject({ status: 'completed', attempts: 1 });
  }, 40_000);
});
