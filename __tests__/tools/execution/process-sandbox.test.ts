/**
 * `process-execution` through a real execution layer: allow-listed programs given hostile arguments
 * must not read, write, list or reach anything outside the root. Only the OS sandbox can promise that.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createToolLayer, type ExecutionLayerOptions } from '../../../src/tools/create-layer';
import { DEFAULT_PATH } from '../../../src/tools/execution/options';
import { bwrapArgs, hostMounts, sandboxStatus, sandboxView, SYSTEM_PATHS } from '../../../src/tools/execution/bubblewrap';
import { makeFixture, MARKER, snapshotOutside, type Fixture } from './helpers';

const SECRET = `${MARKER}-secret`;
const ENV_SECRET = 'NO_SANDBOX_TEST_SECRET';
const COMMANDS = ['ls', 'cat', 'head', 'git', 'find', 'grep', 'cp', 'touch', 'tar', 'ln', 'env', 'printenv', 'ps', 'curl', 'readlink'];
/** What `/` may hold inside the sandbox: system folders, /etc's two entries, /tmp, /proc, /dev. */
const ROOT_ENTRIES = new Set(['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'etc', 'tmp', 'proc', 'dev']);
const policy = { rules: [{ caller: 'agent', layer: 'execution' as const, effect: 'allow' as const }] };

const FIXTURE = path.join(__dirname, 'fixtures', 'run-process-tool.ts');
let fx: Fixture;
let before: Map<string, string>;

function layerFor(options: Partial<ExecutionLayerOptions> = {}) {
  return createToolLayer('execution', { root: fx.root, commands: COMMANDS, env: { PATH: DEFAULT_PATH }, policy, rateLimit: false, ...options });
}

type Outcome = { ok: true; exitCode: number | null; stdout: string; stderr: string } | { ok: false; code: string; message: string };

async function exec(command: string, args: string[], options: Partial<ExecutionLayerOptions> = {}, cwd?: string): Promise<Outcome> {
  const result = await layerFor(options).invoke('process-execution', { command, args, ...(cwd ? { cwd } : {}) }, { caller: 'agent' });
  if (!result.ok) return { ok: false, code: result.error.code, message: result.error.message };
  const data = result.data as { exitCode: number | null; stdout: string; stderr: string };
  return { ok: true, exitCode: data.exitCode, stdout: data.stdout, stderr: data.stderr };
}

/** Ran, and showed nothing of the outside. */
function leakFree(outcome: Outcome): asserts outcome is Extract<Outcome, { ok: true }> {
  expect(outcome).toMatchObject({ ok: true });
  const text = outcome.ok ? outcome.stdout + outcome.stderr : '';
  expect(text).not.toContain(MARKER);
  expect(text).not.toContain('root:x:0');
}

beforeEach(async () => {
  fx = await makeFixture();
  await writeFile(path.join(fx.outside, 'secret.txt'), SECRET);
  await writeFile(path.join(fx.base, 'secret.txt'), SECRET);
  await writeFile(path.join(fx.root, 'notes.md'), '# notes\n');
  before = await snapshotOutside(fx.base);
});
afterEach(async () => {
  try {
    expect(await snapshotOutside(fx.base)).toEqual(before);
  } finally {
    await fx.cleanup();
  }
});
beforeAll(() => {
  process.env[ENV_SECRET] = SECRET;
});
afterAll(() => {
  delete process.env[ENV_SECRET];
});

/** `$OUT` is the outside folder beside the root (absolute), `$BASE` their common parent. */
const ATTACKS: Array<[string, string[]]> = [
  ['cat', ['$OUT/secret.txt']],
  ['cat', ['../secret.txt']],
  ['cat', ['$BASE/secret.txt']],
  ['head', ['-c', '100', '/etc/passwd']],
  ['head', ['-c', '100', '/etc/shadow']],
  ['find', ['$OUT', '-maxdepth', '1']],
  ['find', ['/', '-maxdepth', '3', '-name', 'secret.txt']],
  ['grep', ['-r', MARKER, '$OUT']],
  ['grep', ['-r', MARKER, '$BASE/secret.txt', '$OUT']],
  ['git', ['diff', '--no-index', '/dev/null', '$OUT/secret.txt']],
  ['git', ['-C', '$OUT', 'status']],
  ['tar', ['-cf', '-', '$OUT/secret.txt']],
  ['tar', ['-cf', '-', '-C', '..', 'outside']],
  ['cat', ['/proc/self/root$OUT/secret.txt']],
  ['cat', ['/proc/1/root$OUT/secret.txt']],
  ['cat', ['/proc/1/cwd/../outside/secret.txt']],
  ['ls', ['-la', '$OUT', '/proc/1/root$OUT', '/home', '/root', '/etc', '/tmp']],
];

describe('process-execution in the bubblewrap sandbox: attacks', () => {
  it.each(ATTACKS)('%s %j reads nothing outside the root', async (command, args) => {
    const outcome = await exec(command, args.map((arg) => arg.replace('$OUT', fx.outside).replace('$BASE', fx.base)));
    leakFree(outcome);
  });

  it('`ls /` shows the system folders only, and `ls ..` only the root itself', async () => {
    const slash = await exec('ls', ['-1', '/']);
    leakFree(slash);
    const entries = slash.stdout.trim().split('\n');
    expect(entries.filter((entry) => !ROOT_ENTRIES.has(entry))).toEqual([]);
    expect(entries).toEqual(expect.arrayContaining(['usr', 'proc', 'dev', 'tmp']));
    const up = await exec('ls', ['-1a', '..']);
    leakFree(up);
    expect(up.stdout.trim().split('\n').sort()).toEqual(['.', '..', path.basename(fx.root)]);
    const etc = await exec('ls', ['-1', '/etc']);
    expect(etc.ok && etc.stdout.trim().split('\n')).toEqual(expect.not.arrayContaining(['passwd', 'shadow', 'hosts']));
    const passwd = await exec('head', ['-c', '100', '/etc/passwd']);
    expect(passwd).toMatchObject({ ok: true, stdout: '', exitCode: 1 });
  });

  it('writes outside the root land nowhere: cp, touch, tar -x, git -C', async () => {
    for (const [command, args] of [
      ['touch', [`${fx.outside}/x`]],
      ['touch', [`${fx.base}/pwned`]],
      ['cp', ['notes.md', `${fx.outside}/y`]],
      ['cp', ['notes.md', '../pwned']],
      ['cp', ['notes.md', '/tmp/pwned']],
      ['git', ['-C', fx.outside, 'init']],
      ['tar', ['-cf', `${fx.outside}/out.tar`, 'notes.md']],
    ] as Array<[string, string[]]>) {
      leakFree(await exec(command, args));
    }
    const copied = await exec('cp', [`${fx.outside}/secret.txt`, 'copied.txt']);
    expect(copied).toMatchObject({ ok: true, exitCode: 1 });
    await expect(stat(path.join(fx.root, 'copied.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The snapshot in afterEach checks nothing outside the root changed.
  });

  it('links a command makes to outside files lead nowhere (symlinks dangle, hard links fail)', async () => {
    const layer = layerFor();
    leakFree(await exec('ln', ['-s', `${fx.outside}/secret.txt`, 'l']));
    leakFree(await exec('ln', ['-s', '../outside/secret.txt', 'rel']));
    for (const link of ['l', 'rel']) {
      const read = await exec('cat', [link]);
      leakFree(read);
      expect(read.ok && read.exitCode).toBe(1);
      const viaTool = await layer.invoke('file-system-operation', { operation: 'read', path: link }, { caller: 'agent' });
      expect(viaTool).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    }
    const hard = await exec('ln', [`${fx.outside}/secret.txt`, 'h']);
    leakFree(hard);
    expect(hard.ok && hard.exitCode).toBe(1);
    await expect(stat(path.join(fx.root, 'h'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("passes none of this process's environment: only the layer's env", async () => {
    const all = await exec('env', [], { env: { PATH: DEFAULT_PATH, LANG: 'C' } });
    leakFree(all);
    // bwrap sets PWD to the working directory it enters.
    expect(all.stdout.trim().split('\n').sort()).toEqual(['LANG=C', `PATH=${DEFAULT_PATH}`, `PWD=${fx.root}`]);
    expect(await exec('printenv', [ENV_SECRET])).toMatchObject({ ok: true, exitCode: 1, stdout: '' });
  });

  it('sees its own PID namespace: no host process is visible or reachable', async () => {
    const ps = await exec('ps', ['-e', '-o', 'pid=,args=']);
    leakFree(ps);
    const lines = ps.stdout.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(3); // bwrap's init, ps (and nothing of the host)
    expect(ps.stdout).not.toMatch(/jest|node/);
    const procs = await exec('ls', ['/proc']);
    const pids = (procs.ok ? procs.stdout : '').split('\n').filter((name) => /^\d+$/.test(name)).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    expect(pids).not.toContain(process.pid);
    expect(Math.max(...pids)).toBeLessThan(10);
  });

  it('inherits no descriptor this process was given: one open on an outside folder is replaced by /dev/null', async () => {
    const dir = openSync(fx.outside, 'r');
    const runTool = (...argv: string[]) =>
      new Promise<string>((resolve, reject) => {
        // fd 40 of the child is the outside folder: what a careless parent leaves. (Node marks the inherited
        // descriptors close-on-exec at start-up, but only up to the first gap past 15.)
        const stdio = [...['ignore', 'pipe', 'inherit'], ...Array<'ignore'>(37).fill('ignore'), dir] as StdioOptions;
        const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, fx.root, ...argv], { stdio });
        let out = '';
        child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(out));
      });
    try {
      const read = JSON.parse(await runTool('cat', '/proc/self/fd/40/secret.txt'));
      expect(read).toMatchObject({ exitCode: 1 });
      expect(JSON.stringify(read)).not.toContain(MARKER);
      const listed = JSON.parse(await runTool('ls', '-l', '/proc/self/fd'));
      const targets = new Map([...String(listed.stdout).matchAll(/ (\d+) -> (.*)$/gm)].map((m) => [Number(m[1]), m[2]]));
      expect(targets.get(40)).toBe('/dev/null');
      for (const [fd, target] of targets) if (fd > 3) expect(target).toBe('/dev/null');
    } finally {
      closeSync(dir);
    }
  });
});

describe('process-execution in the bubblewrap sandbox: network', () => {
  let server: Server;
  let requests = 0;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests += 1;
      res.end(SECRET);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reaches no host network, whatever the layer lists in hosts', async () => {
    requests = 0;
    const curl = await exec('curl', ['-sS', '--max-time', '5', `${url}/`], { hosts: ['127.0.0.1'] });
    leakFree(curl);
    expect(curl.ok && curl.exitCode).not.toBe(0);
    leakFree(await exec('git', ['ls-remote', `${url}/repo.git`], { hosts: ['127.0.0.1'] }));
    expect(requests).toBe(0);
  });

  it('reaches the network when the layer opts in with sandbox.network', async () => {
    requests = 0;
    const curl = await exec('curl', ['-sS', '--max-time', '5', `${url}/`], { sandbox: { network: true } });
    expect(curl).toMatchObject({ ok: true, exitCode: 0, stdout: SECRET });
    expect(requests).toBe(1);
  });
});

describe('process-execution in the bubblewrap sandbox: legitimate use', () => {
  it('lists, reads, copies, archives and runs git inside the root, and the file tool sees the writes', async () => {
    const layer = layerFor();
    const ls = await exec('ls', ['-1']);
    expect(ls.ok && ls.stdout.split('\n')).toEqual(expect.arrayContaining(['notes.md', 'file.txt', 'a']));
    expect(await exec('cat', ['notes.md'])).toMatchObject({ ok: true, exitCode: 0, stdout: '# notes\n' });
    expect(await exec('cat', ['f.txt'], {}, 'a')).toMatchObject({ ok: true, stdout: 'inside a' });
    expect(await exec('cp', ['notes.md', 'a/copy.md'])).toMatchObject({ ok: true, exitCode: 0 });
    expect(await exec('touch', ['made.txt'])).toMatchObject({ ok: true, exitCode: 0 });
    expect(await exec('tar', ['-cf', 'notes.tar', 'notes.md'])).toMatchObject({ ok: true, exitCode: 0 });
    expect(await exec('tar', ['-tf', 'notes.tar'])).toMatchObject({ ok: true, stdout: 'notes.md\n' });
    expect(await exec('git', ['init', '-q', 'repo'])).toMatchObject({ ok: true, exitCode: 0 });
    expect(await exec('cp', ['notes.md', 'repo/'])).toMatchObject({ ok: true, exitCode: 0 });
    expect(await exec('git', ['status', '--porcelain'], {}, 'repo')).toMatchObject({ ok: true, exitCode: 0, stdout: '?? notes.md\n' });
    expect(await exec('find', ['.', '-name', 'copy.md'])).toMatchObject({ ok: true, stdout: './a/copy.md\n' });
    const read = await layer.invoke('file-system-operation', { operation: 'read', path: 'a/copy.md' }, { caller: 'agent' });
    expect(read).toMatchObject({ ok: true, data: { content: '# notes\n' } });
    expect(await readFile(path.join(fx.root, 'made.txt'), 'utf8')).toBe('');
    expect((await stat(path.join(fx.root, 'repo', '.git'))).isDirectory()).toBe(true);
  });

  it('keeps a private, writable /tmp that is gone after the call', async () => {
    expect(await exec('touch', ['/tmp/scratch'])).toMatchObject({ ok: true, exitCode: 0 });
    expect(await exec('ls', ['/tmp/scratch'])).toMatchObject({ ok: true, exitCode: 2 });
  });
});

describe('process-execution: which programs may run', () => {
  it('never runs a program from the root: a PATH entry inside it is refused', async () => {
    await mkdir(path.join(fx.root, 'bin'));
    await writeFile(path.join(fx.root, 'bin', 'ls'), '#!/bin/sh\necho planted\n');
    await chmod(path.join(fx.root, 'bin', 'ls'), 0o755);
    for (const PATH of [`${fx.root}/bin:${DEFAULT_PATH}`, `${DEFAULT_PATH}:${fx.root}/not-yet`, `${fx.root}/link-in/..`]) {
      expect(await exec('ls', [], { env: { PATH } })).toMatchObject({ ok: false, code: 'PERMISSION_DENIED', message: expect.stringContaining('PATH') });
    }
    expect(() => layerFor({ env: { PATH: `bin:${DEFAULT_PATH}` } })).toThrow(/absolute/);
    expect(() => layerFor({ env: { PATH: `${DEFAULT_PATH}:` } })).toThrow(/absolute/);
    expect(() => layerFor({ env: { PATH: DEFAULT_PATH, BAD: 'a\0b' } })).toThrow(/NUL/);
    expect(() => layerFor({ env: { 'A=B': 'x' } })).toThrow(/without `=`/);
  });

  it('runs programs only from read-only binds: a PATH entry the sandbox cannot see finds nothing', async () => {
    const bin = await mkdtemp(path.join(tmpdir(), 'no-bin-'));
    try {
      await writeFile(path.join(bin, 'hello'), '#!/bin/sh\necho hello from bin\n');
      await chmod(path.join(bin, 'hello'), 0o755);
      const env = { PATH: `${bin}:${DEFAULT_PATH}` };
      expect(await exec('hello', [], { commands: ['hello'], env })).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
      expect(await exec('hello', [], { commands: ['hello'], env, sandbox: { readOnly: [bin, '/no/such/dir'] } })).toMatchObject({
        ok: true,
        stdout: 'hello from bin\n',
      });
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});

describe('process-execution: no sandbox, no commands (fail closed)', () => {
  it('refuses every command when bwrap is missing, naming the fix', async () => {
    const missing = await exec('ls', [], { sandbox: { bwrap: '/nonexistent/bwrap' } });
    expect(missing).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
    const message = missing.ok ? '' : missing.message;
    expect(message).toContain('no process sandbox is available');
    expect(message).toContain('ENOENT');
    expect(message).toContain('apt-get install bubblewrap');
    expect(message).toContain("sandbox: 'none'");
    expect(await sandboxStatus({ bwrap: '/nonexistent/bwrap' })).toMatchObject({ available: false, bwrap: '/nonexistent/bwrap' });
  });

  it('refuses when bwrap fails its self-test, or hangs in it, with its own message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'no-fake-bwrap-'));
    try {
      await writeFile(path.join(dir, 'broken'), '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n');
      await writeFile(path.join(dir, 'hangs'), '#!/bin/sh\nexec sleep 60\n');
      await writeFile(path.join(dir, 'old'), '#!/bin/sh\necho "bwrap: Unknown option --clearenv" >&2\nexit 1\n');
      await chmod(path.join(dir, 'old'), 0o755);
      expect(await sandboxStatus({ bwrap: path.join(dir, 'old') })).toMatchObject({ reason: expect.stringContaining('0.5 or newer') });
      await chmod(path.join(dir, 'broken'), 0o755);
      await chmod(path.join(dir, 'hangs'), 0o755);
      const broken = await exec('ls', [], { sandbox: { bwrap: path.join(dir, 'broken') } });
      expect(broken).toMatchObject({ ok: false, code: 'PERMISSION_DENIED', message: expect.stringContaining('No permissions to create new namespace') });
      const controller = new AbortController();
      const waiting = sandboxStatus({ bwrap: path.join(dir, 'hangs'), timeoutMs: 1000, signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
      await expect(sandboxStatus({ bwrap: path.join(dir, 'hangs'), signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
      const hangs = await sandboxStatus({ bwrap: path.join(dir, 'hangs'), signal: new AbortController().signal });
      expect(hangs).toMatchObject({ available: false, reason: expect.stringContaining('did not finish within 1000 ms') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports the sandbox available here (bubblewrap is installed where the suite runs)', async () => {
    expect(await sandboxStatus()).toMatchObject({ available: true, bwrap: expect.stringMatching(/bwrap$/) });
  });

  it("runs unconfined only when the layer says sandbox: 'none' (and then the outside is in reach)", async () => {
    const bare = await exec('cat', [`${fx.outside}/secret.txt`], { sandbox: 'none' });
    expect(bare).toMatchObject({ ok: true, exitCode: 0, stdout: SECRET });
    expect(layerFor({ sandbox: 'none' }).getAvailableTools().find((t) => t.name === 'process-execution')?.description).toContain('UNCONFINED');
    expect(layerFor().getAvailableTools().find((t) => t.name === 'process-execution')?.description).toContain('without network');
    expect(() => layerFor({ sandbox: 'nsjail' as never })).toThrow(/sandbox must be/);
    expect(() => layerFor({ sandbox: { bwrap: 'bwrap' } })).toThrow(/absolute/);
    expect(() => layerFor({ sandbox: { readOnly: ['relative'] } })).toThrow(/absolute/);
  });
});

describe('the sandbox view', () => {
  it('keeps links into bound folders as links, binds other links by what they point at, skips missing ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'no-view-'));
    try {
      await mkdir(path.join(dir, 'usr', 'bin'), { recursive: true });
      await writeFile(path.join(fx.root, 'conf'), 'x');
      await symlink('usr/bin', path.join(dir, 'bin'));
      await symlink(path.join(fx.root, 'conf'), path.join(dir, 'conf'));
      await symlink('nowhere', path.join(dir, 'dangling'));
      const names = ['usr', 'bin', 'conf', 'dangling', 'missing'].map((name) => path.join(dir, name));
      expect(await hostMounts(names)).toEqual([
        { kind: 'ro', path: path.join(dir, 'usr') },
        { kind: 'symlink', path: path.join(dir, 'bin'), target: 'usr/bin' },
        { kind: 'ro', path: path.join(dir, 'conf') },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says bubblewrap is not installed when no default path has it', async () => {
    const fs = require('node:fs') as typeof import('node:fs');
    const exists = jest.spyOn(fs, 'existsSync').mockReturnValue(false);
    try {
      let fresh: { sandboxStatus: typeof sandboxStatus } | undefined;
      jest.isolateModules(() => {
        fresh = require('../../../src/tools/execution/bubblewrap');
      });
      const status = await fresh!.sandboxStatus();
      expect(status).toMatchObject({ available: false, bwrap: undefined, reason: expect.stringContaining('not installed') });
      expect(status.available === false && status.fix).toContain('apt-get install bubblewrap');
    } finally {
      exists.mockRestore();
    }
  });

  it('finds nothing when the layer gives commands no PATH', async () => {
    expect(await exec('ls', [], { env: {} })).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: expect.stringContaining('not found on PATH') });
  });
});

describe('bwrapArgs', () => {
  it('unshares every namespace, drops capabilities, clears the environment and binds the root at its own path', async () => {
    const view = await sandboxView('/srv/root', { readOnly: [], network: false });
    const args = bwrapArgs({ view, env: { PATH: '/usr/bin' }, network: false, cwd: '/srv/root/a', argv: ['/usr/bin/ls', '-l'] });
    const text = args.join(' ');
    expect(text).toContain('--unshare-all --die-with-parent --new-session --cap-drop ALL');
    expect(text).not.toContain('--share-net');
    expect(text).toContain('--clearenv --setenv PATH /usr/bin');
    expect(text).toContain('--bind /srv/root /srv/root');
    expect(text).toContain('--proc /proc');
    expect(text).toContain('--dev /dev');
    expect(text).toMatch(/--remount-ro \/ --chdir \/srv\/root\/a -- \/usr\/bin\/ls -l$/);
    expect(text).not.toMatch(/--(ro-)?bind(-try)? \/etc \//);
    // Parents are mounted before their children, so the root lands on top of /tmp when it lives there.
    const tmpRoot = bwrapArgs({ view: await sandboxView('/tmp/x/root', { readOnly: [], network: false }), env: {}, network: false, argv: ['/bin/true'] });
    expect(tmpRoot.indexOf('/tmp')).toBeLessThan(tmpRoot.indexOf('/tmp/x/root'));
    expect(SYSTEM_PATHS).not.toContain('/etc');
    const networked = bwrapArgs({ view: await sandboxView('/srv/root', { readOnly: [], network: true }), env: {}, network: true, argv: ['/bin/true'] });
    expect(networked).toContain('--share-net');
  });
});
