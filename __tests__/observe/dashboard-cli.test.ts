/** `langgraph-no dashboard --demo`: flags, errors that say what to change, a live demo, and SIGTERM. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DASHBOARD_USAGE, parseDashboardArgs, runCli, UsageError } from '../../src/cli';
import { DEFAULT_DASHBOARD_PORT } from '../../src/observe/index';

function start(argv: string[]): { done: Promise<number>; stdout: () => string; stderr: () => string } {
  const stderr = new PassThrough();
  const stdout = new PassThrough();
  let err = '';
  let out = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  return { done: runCli(argv, { stderr, stdout }), stdout: () => out, stderr: () => err };
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('parseDashboardArgs', () => {
  it('reads every flag, with the defaults a user leaves alone', () => {
    expect(parseDashboardArgs(['--demo'])).toEqual({ port: DEFAULT_DASHBOARD_PORT, host: '127.0.0.1', everyMs: 5_000 });
    expect(parseDashboardArgs(['--demo', '--port', '0', '--every', '0.5'])).toMatchObject({ port: 0, everyMs: 500 });
    expect(parseDashboardArgs(['--demo', '--host', '0.0.0.0', '--token-env', 'DASH_TOKEN'], { DASH_TOKEN: 'x'.repeat(20) })).toMatchObject({ host: '0.0.0.0', token: 'x'.repeat(20) });
    const file = join(mkdtempSync(join(tmpdir(), 'dash-token-')), 'token');
    writeFileSync(file, `${'y'.repeat(24)}\n`);
    expect(parseDashboardArgs(['--demo', '--host', '0.0.0.0', '--token-file', file], {})).toMatchObject({ token: 'y'.repeat(24) });
    // A short token is refused, and the message never shows it.
    let shown = '';
    try {
      parseDashboardArgs(['--demo', '--token-env', 'SHORT'], { SHORT: 'short-secret' });
    } catch (error) {
      shown = (error as Error).message;
    }
    expect(shown).toMatch(/at least 16 characters/);
    expect(shown).not.toContain('short-secret');
    expect(parseDashboardArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], /needs --demo/],
    [['--demo', '--port', '70000'], /at most 65535/],
    [['--demo', '--port', 'x'], /--port needs a positive integer/],
    [['--demo', '--host', '0.0.0.0'], /--token-env VAR or --token-file PATH/],
    [['--demo', '--token-env', 'NOT_SET_ANYWHERE'], /the environment variable NOT_SET_ANYWHERE is not set/],
    [['--demo', '--token-file', '/nonexistent/token'], /--token-file '\/nonexistent\/token' cannot be read \(ENOENT\)/],
    [['--demo', '--token-env', 'A', '--token-file', 'b'], /contradict each other/],
    [['--demo', '--token', 'secret'], /Unknown option '--token'/],
  ])('refuses %j', (args, message) => {
    expect(() => parseDashboardArgs(args as string[], {})).toThrow(UsageError);
    expect(() => parseDashboardArgs(args as string[], {})).toThrow(message);
  });
});

describe('langgraph-no dashboard', () => {
  it('prints its usage on --help, and exits 2 with it on a bad command line', async () => {
    const help = start(['dashboard', '--help']);
    expect(await help.done).toBe(0);
    expect(help.stdout()).toBe(DASHBOARD_USAGE);
    const bad = start(['dashboard']);
    expect(await bad.done).toBe(2);
    expect(bad.stderr()).toContain('needs --demo');
  });

  it('serves the demo: runs appear live, then SIGTERM lets the running one end and closes the server', async () => {
    const cli = start(['dashboard', '--demo', '--port', '0', '--every', '0.3']);
    const url = await waitFor(() => /open (http:\S+)\//.exec(cli.stdout())?.[1]);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const runs = await waitFor(async () => {
      const body = (await (await fetch(`${url}/api/runs`)).json()) as { runs: Array<{ status: string }> };
      return body.runs.some((r) => r.status === 'completed') ? body.runs : undefined;
    }, 20_000);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    process.emit('SIGTERM');
    expect(await cli.done).toBe(0);
    expect(cli.stderr()).toContain('stopped');
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });

  it('exits 1 with the reason when the port is taken', async () => {
    const first = start(['dashboard', '--demo', '--port', '0']);
    const url = await waitFor(() => /open (http:\S+)\//.exec(first.stdout())?.[1]);
    const port = new URL(url).port;
    const second = start(['dashboard', '--demo', '--port', port]);
    expect(await second.done).toBe(1);
    expect(second.stderr()).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\): pick another port/);
    process.emit('SIGTERM');
    expect(await first.done).toBe(0);
  });
});
