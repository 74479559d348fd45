/**
 * `langgraph-no worker`: flags, the errors that tell users what to change, and a graceful SIGTERM
 * that lets a running job finish.
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MemorySaver } from '@langchain/langgraph';
import { parseWorkerArgs, runCli, UsageError, WORKER_USAGE } from '../../src/cli';
import { jobQueue } from '../../src/distribution/index';
import { createMasterAgentLoop } from '../../src/loop/index';
import { agents } from './fixtures/agents';
import { AGENTS_MODULE, startWorker } from './fixtures/worker-process';
import { dropPrefix, readLog, REDIS_URL, uniquePrefix, waitFor } from './helpers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

async function run(argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const stderr = new PassThrough();
  const stdout = new PassThrough();
  let err = '';
  let out = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await runCli(argv, { stderr, stdout });
  return { code, stderr: err, stdout: out };
}

describe('parseWorkerArgs', () => {
  it('reads every flag', () => {
    expect(parseWorkerArgs(['--agents', 'a.js', '--only', 'x,y', '--redis', 'redis://h:1', '--prefix', 'p', '--concurrency', '3', '--crash-bound', '2.5'])).toEqual({
      agents: 'a.js', only: ['x', 'y'], redis: 'redis://h:1', prefix: 'p', concurrency: 3, crashBoundMs: 2_500,
    });
    expect(parseWorkerArgs(['--agents', 'a.js'])).toEqual({ agents: 'a.js', only: [], redis: 'redis://127.0.0.1:6379', prefix: 'langgraph-no' });
    expect(parseWorkerArgs(['-h'])).toBe('help');
  });

  it.each([
    [[], /--agents is required/],
    [['--agents', 'a.js', '--redis', 'http://x'], /redis:\/\/ or rediss:\/\//],
    [['--agents', 'a.js', '--concurrency', '0'], /--concurrency needs a positive integer/],
    [['--agents', 'a.js', '--crash-bound', '0.5'], /--crash-bound needs at least 1 second/],
    [['--agents', 'a.js', '--prefix', ' '], /--prefix needs a non-empty name/],
    [['--agents', 'a.js', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j', (args, message) => {
    expect(() => parseWorkerArgs(args as string[])).toThrow(UsageError);
    expect(() => parseWorkerArgs(args as string[])).toThrow(message);
  });
});

describe('langgraph-no worker', () => {
  it('prints its usage on --help, and exits 2 with it on a bad command line', async () => {
    expect(await run(['worker', '--help'])).toEqual({ code: 0, stderr: '', stdout: WORKER_USAGE });
    const bad = await run(['worker']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--agents is required');
  });

  it.each([
    ['a module that does not exist', ['--agents', join(__dirname, 'fixtures', 'missing.js')], /agents module '.*missing\.js' does not exist/],
    ['a module that exports no agents', ['--agents', join(__dirname, 'fixtures', 'no-agents.ts')], /exports no agents: export the agents as `export const agents = \[\.\.\.\]`/],
    ['a module that throws while it loads', ['--agents', join(__dirname, 'fixtures', 'broken-agents.ts')], /failed to load: cannot load: missing API key/],
    ['an agent id the module lacks', ['--agents', AGENTS_MODULE, '--only', 'ghost'], /agent 'ghost' is not in the agents module \(it has: sleeper, special\)/],
  ])('exits 1 on %s, saying what to change', async (_what, args, message) => {
    const result = await run(['worker', ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});

describe('a worker process sent SIGTERM', () => {
  const prefix = uniquePrefix('sigterm');
  const dir = mkdtempSync(join(tmpdir(), 'no-workers-cli-'));
  afterAll(async () => {
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes no new job, lets the running one finish, and exits 0', async () => {
    const logFile = join(dir, 'log.jsonl');
    const worker = await startWorker(['--redis', REDIS_URL, '--prefix', prefix, '--only', 'sleeper'], { NO_WORKERS_LOG: logFile });
    const distribution = jobQueue({ connection: REDIS_URL, prefix });
    try {
      const loop = createMasterAgentLoop({ agents, checkpointer: new MemorySaver(), distribution, attemptTimeoutMs: 3_000, retries: 0 });
      const run = loop.invoke({ request: { tasks: [{ id: 'a', capability: 'work', input: { ms: 600 } }, { id: 'b', capability: 'work', input: { ms: 10 }, dependsOn: ['a'] }] } }, { configurable: { thread_id: 'term' } });
      await waitFor('the job to start', () => readLog(logFile).find((l) => l.ev === 'start'));
      worker.child.kill('SIGTERM');
      const out = await run;
      // a finished on the closing worker; b, published after, found no worker and timed out.
      expect(out.tasks['a']).toMatchObject({ status: 'completed' });
      expect(out.tasks['b']).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect(worker.stderr()).toContain('langgraph-no worker: stopped');
    } finally {
      await distribution.close();
      worker.child.kill('SIGKILL');
    }
  }, 30_000);
});
