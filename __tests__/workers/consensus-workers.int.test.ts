/**
 * Consensus tasks whose voters run on worker processes, on PostgresSaver with postgresLeadership.
 * Five voters on two workers (v1-v3 on one, v4, v5 and the judge on the other); every agent call is
 * counted in Redis, so a count holds over every process. Coordinators are child processes, killed
 * with SIGKILL mid-vote: a new one, let in by the Postgres lease, reads the stored ballots back and
 * asks only the voters without one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import type { ConsensusCoordinatorConfig } from './fixtures/consensus-coordinator';
import type { VoteInput } from './fixtures/voters';
import { cli, type WorkerProcess } from './fixtures/worker-process';
import { dropPrefix, PG_URL, REDIS_URL, uniquePrefix, waitFor } from './helpers';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
interface RedisClient {
  hgetall(key: string): Promise<Record<string, string>>;
  set(key: string, value: string): Promise<unknown>;
  quit(): Promise<unknown>;
}
const { Client } = require('pg') as { Client: new (options: { connectionString: string }) => PgClient };
const IORedis = require('ioredis') as new (url: string) => RedisClient;

const ROOT = join(__dirname, '..', '..');
const VOTERS_MODULE = join(__dirname, 'fixtures', 'voters.ts');
const SECRET = 'the-consensus-workers-test-secret-32+bytes';
const prefix = uniquePrefix('consensus');
const schema = `no_consensus_${process.pid}_${Date.now().toString(36)}`;
let dir: string;
let workers: WorkerProcess[] = [];
let pg: PgClient;
let redis: RedisClient;

const children: Array<{ child: ChildProcess; exited: Promise<unknown> }> = [];

interface Exit { pid: number; code: number | null; signal: string | null; stdout: string; stderr: string }
function coordinator(config: ConsensusCoordinatorConfig) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'consensus-coordinator.ts'), JSON.stringify(config)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ pid: child.pid!, code, signal, stdout, stderr })));
  children.push({ child, exited });
  return { child, exited };
}

async function startWorker(only: string): Promise<WorkerProcess> {
  const run = cli(['worker', '--agents', VOTERS_MODULE, '--redis', REDIS_URL, '--prefix', prefix, '--only', only]);
  await waitFor(`worker ${only}`, () => (run.stderr().includes('langgraph-no worker: running') ? true : undefined), 20_000, 20);
  return { child: run.child, pid: run.child.pid!, stderr: run.stderr, exited: run.exited };
}

const lastLine = (exit: Exit): Record<string, unknown> => JSON.parse(exit.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
const decided = (journal: string): Array<{ pid: number; data: { outcome: string; value?: unknown; replayedBallots: number } }> =>
  existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) : [];
const calls = (tag: string): Promise<Record<string, string>> => redis.hgetall(`${prefix}:${tag}:calls`);
/** Outcomes the coordinator stored on the thread's checkpoints (each ballot is one). */
async function storedOutcomes(threadId: string): Promise<number> {
  const { rows } = await pg.query(`SELECT count(*)::int AS n FROM "${schema}".checkpoint_writes WHERE thread_id = '${threadId}' AND channel = 'no.outcome'`);
  return rows[0]!['n'] as number;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'no-consensus-workers-'));
  const saver = PostgresSaver.fromConnString(PG_URL, { schema });
  try {
    await saver.setup();
  } finally {
    await saver.end();
  }
  pg = new Client({ connectionString: PG_URL });
  await pg.connect();
  redis = new IORedis(REDIS_URL);
  workers = await Promise.all([startWorker('v1,v2,v3'), startWorker('v4,v5,judge')]);
}, 40_000);

afterAll(async () => {
  for (const w of [...workers, ...children]) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all([...workers, ...children].map((w) => w.exited));
  await dropPrefix(prefix);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
  try {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pg.end();
  }
});

const inputOf = (tag: string, hold: string[] = []): VoteInput => ({ tag, prefix, redis: REDIS_URL, hold });
const configOf = (tag: string, extra: Partial<ConsensusCoordinatorConfig> = {}): ConsensusCoordinatorConfig => ({
  mode: 'start', pg: PG_URL, schema, threadId: tag, journal: join(dir, `${tag}.jsonl`), input: inputOf(tag), ...extra,
});
const ONCE_EACH = { v1: '1', v2: '1', v3: '1', v4: '1', v5: '1' };

describe('a consensus task whose voters run on worker processes', () => {
  it('asks each voter once, on its worker, and decides once', async () => {
    const config = configOf('plain');
    const run = await coordinator(config).exited;
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(lastLine(run)).toEqual({ status: 'completed', result: 'yes', outcome: 'decided', voters: ['v1', 'v2', 'v3', 'v4', 'v5'], errors: [] });
    expect(await calls('plain')).toEqual(ONCE_EACH);
    expect(decided(config.journal).map((d) => [d.pid, d.data.outcome, d.data.value, d.data.replayedBallots])).toEqual([[run.pid, 'decided', 'yes', 0]]);
  }, 30_000);

  it('SIGKILLed mid-vote, resumes in the process the Postgres lease lets in: the voters that voted are not asked again, one decision', async () => {
    const config = configOf('crash', { secret: SECRET, input: inputOf('crash', ['v4', 'v5']) });
    await killMidVote(config);
    // Two coordinators contend for the thread: the lease lets one in, the other is refused.
    const rivals = [coordinator({ ...config, mode: 'resume' }), coordinator({ ...config, mode: 'resume' })];
    const loser = await Promise.race(rivals.map((r) => r.exited));
    expect([loser.code, JSON.parse(loser.stderr.trim()).code]).toEqual([1, 'RUN_LOCKED']);
    await redis.set(`${prefix}:crash:release`, '1');
    const winner = (await Promise.all(rivals.map((r) => r.exited))).find((e) => e.pid !== loser.pid)!;
    expect([winner.code, winner.stderr]).toEqual([0, '']);
    expect(lastLine(winner)).toEqual({ status: 'completed', result: 'yes', outcome: 'decided', voters: ['v1', 'v2', 'v3', 'v4', 'v5'], errors: [] });
    // v1-v3 voted before the kill and their signed ballots were taken as stored; v4 and v5, still
    // running on their worker at the kill, were asked under their same job and answered once.
    expect(await calls('crash')).toEqual(ONCE_EACH);
    expect(decided(config.journal).map((d) => [d.pid, d.data.outcome, d.data.value, d.data.replayedBallots])).toEqual([[winner.pid, 'decided', 'yes', 3]]);
  }, 60_000);

  it('without a shared keyring secret, asks again the voters whose ballots it cannot verify (their stored job results answer)', async () => {
    const config = configOf('nosecret', { input: inputOf('nosecret', ['v4', 'v5']) });
    await killMidVote(config);
    const resumed = coordinator({ ...config, mode: 'resume' });
    await redis.set(`${prefix}:nosecret:release`, '1');
    const run = await resumed.exited;
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(lastLine(run)).toEqual({ status: 'completed', result: 'yes', outcome: 'decided', voters: ['v1', 'v2', 'v3', 'v4', 'v5'], errors: [] });
    // No stored ballot was trusted; the agents still ran once: each voter's job kept its answer.
    expect(decided(config.journal).map((d) => [d.pid, d.data.replayedBallots])).toEqual([[run.pid, 0]]);
    expect(await calls('nosecret')).toEqual(ONCE_EACH);
  }, 60_000);

  it('SIGKILLed while its judge compares answers, resumes without asking the judge again about the pair it judged', async () => {
    // Exact answers 'yes', 'no' and 'Yes ': the judge is asked ('yes', 'no'), then ('yes', 'Yes '), which holds.
    const config = configOf('judge', { secret: SECRET, judge: true, input: { ...inputOf('judge'), holdJudge: 'Yes ' } });
    // Five ballots and the first verdict stored, the second pair asked.
    await killMidVote(config, 6, ['judge:["yes","Yes "]']);
    const resumed = coordinator({ ...config, mode: 'resume' });
    await redis.set(`${prefix}:judge:release`, '1');
    const run = await resumed.exited;
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(lastLine(run)).toEqual({ status: 'completed', result: 'yes', outcome: 'decided', voters: ['v1', 'v2', 'v3', 'v4', 'v5'], errors: [] });
    // Each voter and each pair once: the stored verdict was taken, the held pair's job was the same job.
    expect(await calls('judge')).toEqual({ ...ONCE_EACH, 'judge:["yes","no"]': '1', 'judge:["yes","Yes "]': '1' });
    expect(decided(config.journal).map((d) => [d.pid, d.data.value, d.data.replayedBallots])).toEqual([[run.pid, 'yes', 5]]);
  }, 60_000);
});

/**
 * Starts a coordinator of `config`'s vote and SIGKILLs it once `stored` outcomes (ballots, verdicts)
 * are stored and every voter (and each call named in `alsoCalled`) has been asked.
 */
async function killMidVote(config: ConsensusCoordinatorConfig, stored = 3, alsoCalled: string[] = []): Promise<void> {
  const first = coordinator(config);
  const wanted = ['v1', 'v2', 'v3', 'v4', 'v5', ...alsoCalled];
  for (const until = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 20))) {
    const [storedNow, asked] = await Promise.all([storedOutcomes(config.threadId), calls(config.input.tag)]);
    if (storedNow >= stored && wanted.every((w) => w in asked)) break;
    if (Date.now() > until) throw new Error(`timed out waiting for ${stored} stored outcomes (${storedNow}) and calls of ${wanted.join(', ')} (${Object.keys(asked).join(', ')})`);
  }
  // Still mid-vote: the held ones hold, nothing decided, and exactly what was known is stored.
  expect(await storedOutcomes(config.threadId)).toBe(stored);
  first.child.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  expect(decided(config.journal)).toEqual([]);
}
