import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { NoError } from '../../../src/contracts/errors';
import { findExecutable } from '../../../src/tools/execution/process';
import { call, context, guardOutside, hostPids, REFUSALS, refusal, toolsFor, waitFor, type Fixture } from './helpers';

const COMMANDS = ['echo', 'ls', 'cat', 'sleep', 'node', 'yes', 'pwd'];
let fx: Fixture;
let proc: ReturnType<typeof toolsFor>['x'];
const PATH = `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
const run = (params: Record<string, unknown>, ctx = context()) => call(proc, params, ctx);

const guard = guardOutside((fixture) => {
  fx = fixture;
  proc = toolsFor({ root: fx.root, commands: COMMANDS, env: { PATH }, maxOutputBytes: 1000 })['process-execution']!;
});

/** A node process that starts `sleep <token>` and waits forever; every process of it carries the token. */
const stuck = (token: string) => `const {spawn}=require('child_process');spawn('sleep',['${token}'],{stdio:'ignore'});setInterval(()=>{},1000);`;
const token = () => `3000.${Math.floor(Math.random() * 1e9)}`;

/** Waits until `sleep <token>` runs, and returns every host pid that carries the token (bwrap, node, sleep). */
async function running(marker: string): Promise<number[]> {
  expect(await waitFor(() => hostPids(`sleep\0${marker}`).length > 0, 10_000)).toBe(true);
  return hostPids(marker);
}

describe('process-execution', () => {
  it('runs an allow-listed command in the root and returns its output', async () => {
    const result = await run({ command: 'ls', args: ['-1'] });
    expect(result).toMatchObject({ exitCode: 0, signal: null, stderr: '', truncated: false });
    expect(result.stdout.split('\n')).toEqual(expect.arrayContaining(['a', 'file.txt']));
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(await run({ command: 'cat', args: [], stdin: 'piped' })).toMatchObject({ stdout: 'piped' });
    expect(await run({ command: 'pwd', args: [], cwd: 'link-in' })).toMatchObject({ stdout: `${path.join(fx.root, 'a')}\n` });
    expect(await run({ command: 'ls', args: ['missing'] })).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('missing') });
    expect(await run({ command: 'sleep', args: ['0'] })).toMatchObject({ exitCode: 0 });
  });

  it("passes metacharacters literally: echo '$(id); rm -rf /' prints the text", async () => {
    const result = await run({ command: 'echo', args: ['$(id); rm -rf /'] });
    expect(result.stdout).toBe('$(id); rm -rf /\n');
    const many = await run({ command: 'echo', args: ['`id`', '|', 'cat', '>', 'out', '&&', '*', '~', '${HOME}', "'", '"'] });
    expect(many.stdout).toBe('`id` | cat > out && * ~ ${HOME} \' "\n');
    expect((await run({ command: 'ls', args: ['-1'] })).stdout.split('\n')).not.toContain('out');
  });

  it('refuses commands not on the allow-list, paths and shell syntax as the command', async () => {
    for (const command of ['sh', 'bash', 'rm', '/bin/echo', './echo', '../bin/echo', 'echo;id', 'echo $(id)', 'echo\n', 'ECHO', '-echo']) {
      await refusal(run({ command, args: [] }), 'PERMISSION_DENIED');
    }
    await refusal(run({ command: 'echo', args: ['a\0b'] }), 'INVALID_INPUT');
  });

  it('refuses a working directory outside the root, or that is not a directory', async () => {
    for (const cwd of ['..', '../outside', '/tmp', 'link-out', 'dangling', 'a/../..', '..\\x']) {
      await refusal(run({ command: 'pwd', args: [], cwd }), 'PERMISSION_DENIED');
    }
    await refusal(run({ command: 'pwd', args: [], cwd: 'file.txt' }), 'INVALID_INPUT');
    await refusal(run({ command: 'pwd', args: [], cwd: 'nowhere' }), 'INVALID_INPUT');
    await refusal(run({ command: 'pwd', args: [], cwd: 'x\0' }), 'INVALID_INPUT');
  });

  it.each(['bubblewrap', 'none'] as const)('kills every process of the command on timeout and reports TIMEOUT (sandbox: %s)', async (sandbox) => {
    const tool = toolsFor({ root: fx.root, commands: COMMANDS, env: { PATH }, sandbox })['process-execution']!;
    const marker = token();
    const pending = call(tool, { command: 'node', args: ['-e', stuck(marker)], timeoutMs: 1500 });
    const pids = await running(marker);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoError);
    expect((error as NoError).code).toBe('TIMEOUT');
    expect(await waitFor(() => hostPids(marker).length === 0)).toBe(true);
  });

  it('kills every process of the command when the call is aborted', async () => {
    const controller = new AbortController();
    const marker = token();
    const pending = run({ command: 'node', args: ['-e', stuck(marker)] }, context({ signal: controller.signal }));
    await running(marker);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await waitFor(() => hostPids(marker).length === 0)).toBe(true);
    await expect(run({ command: 'echo', args: [] }, context({ signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('leaves nothing behind a command that exits normally', async () => {
    const marker = token();
    const script = `const {spawn}=require('child_process');const c=spawn('sleep',['${marker}'],{stdio:'ignore',detached:true});c.unref();
      require('fs').writeFileSync('started', String(c.pid));`;
    expect(await run({ command: 'node', args: ['-e', script] })).toMatchObject({ exitCode: 0 });
    expect(await readFile(path.join(fx.root, 'started'), 'utf8')).toMatch(/^\d+$/);
    expect(await waitFor(() => hostPids(marker).length === 0)).toBe(true);
  });

  it('caps output, flags truncation, and kills a process that floods far past the cap', async () => {
    const capped = await run({ command: 'node', args: ['-e', "process.stdout.write('x'.repeat(700));process.stderr.write('y'.repeat(700))"] });
    expect(capped.truncated).toBe(true);
    expect(capped.stdout.length + capped.stderr.length).toBe(1000);
    expect(capped.exitCode).toBe(0);
    const flood = await run({ command: 'yes', args: [], timeoutMs: 20_000 });
    expect(flood).toMatchObject({ truncated: true, signal: 'SIGKILL', exitCode: null });
    expect(flood.stdout.length).toBe(1000);
  });

  it('reports an allow-listed name missing from PATH, and a process that cannot start', async () => {
    const lost = toolsFor({ root: fx.root, commands: ['no-such-binary-xyz'] })['process-execution']!;
    await refusal(call(lost, { command: 'no-such-binary-xyz', args: [] }), 'INVALID_INPUT');
    const bin = await mkdtemp(path.join(tmpdir(), 'no-bin-'));
    try {
      await writeFile(path.join(bin, 'noexec.sh'), '#!/nonexistent/interpreter\n');
      await chmod(path.join(bin, 'noexec.sh'), 0o755);
      const env = { PATH: `${bin}:/usr/bin` };
      const boxed = toolsFor({ root: fx.root, commands: ['noexec.sh'], env, sandbox: { readOnly: [bin] } })['process-execution']!;
      const failed = await call(boxed, { command: 'noexec.sh', args: [] }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 'INTERNAL_ERROR', details: { stderr: expect.stringContaining('execvp') } });
      const bare = toolsFor({ root: fx.root, commands: ['noexec.sh'], env, sandbox: 'none' })['process-execution']!;
      await expect(call(bare, { command: 'noexec.sh', args: [] })).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('findExecutable skips relative PATH entries, directories and non-executables', async () => {
    await writeFile(path.join(fx.root, 'tool'), 'x');
    expect(await findExecutable('tool', `.:${fx.root}:a`)).toBeUndefined();
    expect(await findExecutable('a', fx.root)).toBeUndefined();
    expect(await findExecutable('echo', `relative:/usr/bin`)).toBe('/usr/bin/echo');
  });

  it('property: metacharacters in command names are refused, in args arrive verbatim, and nothing escapes', async () => {
    const meta = fc.constantFrom(';', '|', '&', '$(', ')', '`', '>', '<', '*', '?', '~', '\n', ' ', '/', '..', "'", '"', '\\', '{', '}', '$HOME', 'touch ../pwned');
    const piece = fc.oneof(meta, fc.constantFrom('echo', 'node', 'ls', 'rm', 'sh'), fc.string({ maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('')).filter((c) => c.length > 0 && c.length <= 128), async (command) => {
        const outcome = await run({ command, args: [] }).then(() => 'ran', (e: unknown) => e);
        if (COMMANDS.includes(command)) return;
        expect(outcome).toBeInstanceOf(NoError);
        expect(REFUSALS).toContain((outcome as NoError).code);
      }),
      { numRuns: 200 },
    );
    const argument = fc.array(fc.oneof(meta, fc.string({ maxLength: 6 }).filter((s) => !s.includes('\0'))), { maxLength: 4 }).map((p) => p.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(argument, { maxLength: 5 }), async (args) => {
        const result = await run({ command: 'node', args: ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '--', ...args] });
        expect(JSON.parse(result.stdout)).toEqual(args);
        await guard.check();
      }),
      { numRuns: 25 },
    );
  });
});
