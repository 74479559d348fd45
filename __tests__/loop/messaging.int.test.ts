import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'messaging-run.ts');

interface Report {
  ran: string[];
  status: string;
  results: Record<string, unknown>;
  mailboxes: Record<string, unknown[]>;
  topics: Record<string, { payload: unknown }[]>;
  queued: number;
  refused: number;
}

/** Runs the fixture; resolves with its last stdout line as JSON, SIGKILLing it once it prints `stored`. */
function run(config: Record<string, unknown>): Promise<{ killed: boolean; report?: Report }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!killed && stdout.includes('"ev":"stored"')) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (killed && signal === 'SIGKILL') return resolve({ killed });
      if (code !== 0) return reject(new Error(`child failed (code ${code}, signal ${signal})\n${stderr}`));
      resolve({ killed, report: JSON.parse(stdout.trim().split('\n').pop() ?? '') as Report });
    });
  });
}

describe('messages across a crash (SQLite, two processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'no-messaging-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers a message sent before SIGKILL exactly once after the resume, without re-running its sender', async () => {
    const config = { db: join(dir, 'run.sqlite'), threadId: 'messaging-crash' };
    const first = await run({ ...config, mode: 'start' });
    expect(first.killed).toBe(true);

    const { report } = await run({ ...config, mode: 'resume' });
    expect(report).toBeDefined();
    // The producer's stored result is replayed, not re-run; the message it sent comes back with it.
    expect(report!.ran).toEqual(['slow', 'consumer']);
    expect(report!.status).toBe('completed');
    expect(report!.results['c']).toEqual([{ n: 1 }]);
    expect(report!.mailboxes).toEqual({});
    expect(report!.topics['coordination-updates']!.map((m) => m.payload)).toEqual([{ produced: 1 }]);
    expect(report!.queued).toBe(0);
    expect(report!.refused).toBe(0);
  }, 60_000);
});
