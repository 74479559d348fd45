/**
 * The coordinator process SIGKILLed mid-run and started again on the same thread (PostgresSaver),
 * while two worker processes keep running. Tasks in flight at the kill finish on their workers and
 * their results wait in Redis; the new coordinator adds the same job ids, gets those results back,
 * and no task runs twice. The dead coordinator's advisory lock went with its connection, so the new
 * one may lead at once, and a coordinator of the thread while another is alive is refused.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySaver } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { postgresLeadership } from '../../src/distribution/index';
import { createMasterAgentLoop } from '../../src/loop/index';
import { agents } from './fixtures/agents';
import type { CoordinatorConfig } from './fixtures/coordinator';
import { startWorker, type WorkerProcess } from './fixtures/worker-process';
import { countBy, dropPrefix, expectedValues, layeredTasks, PG_URL, readLog, REDIS_URL, uniquePrefix, waitFor } from './helpers';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const { Client } = require('pg') as { Client: new (options: { connectionString: string }) => PgClient };

const ROOT = join(__dirname, '..', '..');
const LAYERS = 3;
const WIDTH = 4;
const TASK_MS = 700;
const prefix = uniquePrefix('restart');
const schema = `no_workers_${process.pid}_${Date.now().toString(36)}`;
let dir: string;
let logFile: string;
let workers: WorkerProcess[] = [];

function coordinator(config: CoordinatorConfig) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'coordinator.ts'), JSON.stringify(config)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'no-workers-restart-'));
  logFile = join(dir, 'log.jsonl');
  const saver = PostgresSaver.fromConnString(PG_URL, { schema });
  try {
    await saver.setup();
  } finally {
    await saver.end();
  }
  const args = ['--redis', REDIS_URL, '--prefix', prefix, '--only', 'sleeper'];
  workers = await Promise.all([0, 1].map(() => startWorker(args, { NO_WORKERS_LOG: logFile })));
}, 40_000);

afterAll(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await dropPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
});

describe('a coordinator SIGKILLed mid-run and started again', () => {
  it('resumes the thread, gets the results its workers stored meanwhile, and runs no task twice', async () => {
    const base = { prefix, redis: REDIS_URL, pg: PG_URL, schema, threadId: 'restart', layers: LAYERS, width: WIDTH, ms: TASK_MS };
    const first = coordinator({ ...base, mode: 'start' });
    // Kill it once the first layer is done and the second is running on the workers.
    await waitFor('the second layer running', () => (readLog(logFile).filter((l) => l.ev === 'start').length > WIDTH ? true : undefined), 30_000);

    // While it lives, it leads the thread: another coordinator of the same thread is refused.
    const leadership = postgresLeadership({ connectionString: PG_URL });
    try {
      const rival = createMasterAgentLoop({ agents, checkpointer: new MemorySaver(), leadership });
      await expect(rival.invoke({ request: { tasks: [{ id: 'x', capability: 'work' }] } }, { configurable: { thread_id: 'restart' } }))
        .rejects.toMatchObject({ code: 'RUN_LOCKED' });
    } finally {
      await leadership.close();
    }

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const startedBeforeKill = readLog(logFile).filter((l) => l.ev === 'start').length;
    expect(startedBeforeKill).toBeGreaterThan(WIDTH);

    const second = await coordinator({ ...base, mode: 'resume' }).exited;
    expect([second.code, second.stderr]).toEqual([0, '']);
    const out = JSON.parse(second.stdout.trim().split('\n').pop()!) as { status: string; results: Record<string, { value: number }>; tasks: Record<string, { idempotencyKey: string }> };
    expect(out.status).toBe('completed');
    const expected = expectedValues(LAYERS, WIDTH);
    expect(Object.fromEntries(Object.entries(out.results).map(([id, r]) => [id, r.value]))).toEqual(expected);

    const lines = readLog(logFile);
    const starts = countBy(lines, 'start');
    const ends = countBy(lines, 'end');
    const keys = Object.keys(expected).map((id) => out.tasks[id]!.idempotencyKey);
    // Every task ran exactly once: the ones in flight at the kill too (their jobs finished on the workers).
    expect(keys.map((k) => [starts.get(k), ends.get(k)])).toEqual(keys.map(() => [1, 1]));
    // There were such tasks: started under the first coordinator, finished after it died.
    const inFlight = lines.filter((l) => l.ev === 'start' && l.at < killedAt && lines.some((e) => e.ev === 'end' && e.key === l.key && e.at > killedAt));
    expect(inFlight.length).toBeGreaterThan(0);
  }, 60_000);
});
