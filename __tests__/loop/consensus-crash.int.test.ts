import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'consensus-run.ts');

type Line = { ev: 'start' | 'end' | 'ready'; voter?: string; key?: string; pid: number };
const read = (path: string): Line[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as Line) : [];

/** Runs the fixture; with `killWhenReady`, SIGKILLs it once it journals 'ready'. */
function child(config: Record<string, unknown>, killWhenReady: boolean): Promise<{ pid: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const poll = killWhenReady
      ? setInterval(() => {
          if (read(config['journal'] as string).some((l) => l.pid === proc.pid && l.ev === 'ready')) proc.kill('SIGKILL');
        }, 5)
      : undefined;
    const deadline = setTimeout(() => (proc.kill('SIGKILL'), reject(new Error(`child did not finish\n${stderr}`))), 30_000);
    proc.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(deadline);
      if (killWhenReady ? signal === 'SIGKILL' : code === 0) resolve({ pid: proc.pid!, stdout });
      else reject(new Error(`child ended with code ${code}, signal ${signal}\n${stderr}`));
    });
  });
}

describe('a consensus task killed mid-vote (SIGKILL, SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'no-consensus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes in a new process asking only the voters without a stored ballot, with their same keys', async () => {
    const config = { db: join(dir, 'checkpoints.db'), journal: join(dir, 'journal.jsonl') };
    const first = await child({ ...config, mode: 'start' }, true);
    const second = await child({ ...config, mode: 'resume' }, false);
    const lines = read(config.journal);
    const started = (pid: number): string[] => lines.filter((l) => l.pid === pid && l.ev === 'start').map((l) => l.voter!).sort();
    expect(started(first.pid)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(started(second.pid)).toEqual(['d', 'e']);
    // A voter asked again gets the idempotency key it had before the crash.
    const keyOf = (pid: number, voter: string): string | undefined => lines.find((l) => l.pid === pid && l.ev === 'start' && l.voter === voter)?.key;
    expect(keyOf(second.pid, 'd')).toBe(keyOf(first.pid, 'd'));
    expect(JSON.parse(second.stdout.trim().split('\n').pop()!)).toEqual({ status: 'completed', result: 'yes', voters: ['a', 'b', 'c', 'd', 'e'] });
  }, 60_000);
});
