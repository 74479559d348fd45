import { readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { NoError } from '../../../src/contracts/errors';
import { findExecutable } from '../../../src/tools/execution/process';
import { call, context, guardOutside, isAlive, REFUSALS, refusal, toolsFor, waitFor, type Fixture } from './helpers';

const COMMANDS = ['echo', 'ls', 'cat', 'sleep', 'node', 'yes', 'pwd'];
let fx: Fixture;
let proc: ReturnType<typeof toolsFor>['x'];
const PATH = `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
const run = (params: Record<string, unknown>, ctx = context()) => call(proc, params, ctx);

const guard = guardOutside((fixture) => {
  fx = fixture;
  proc = toolsFor({ root: fx.root, commands: COMMANDS, env: { PATH }, maxOutputBytes: 1000 })['process-execution']!;
});

async function readPids(file: string): Promise<number[]> {
  const found = await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')).split(' ').length >= 2);
  expect(found).toBe(true);
  return (await readFile(file, 'utf8')).split(' ').map(Number);
}
/** A node process that records its pid and a child's, then waits forever. */
const STUCK = `const {spawn}=require('child_process');const c=spawn('sleep',['300'],{stdio:'ignore'});
require('fs').writeFileSync('pids', process.pid+' '+c.pid);setInterval(()=>{},1000);`;

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

  it('kills the whole process group on timeout and reports TIMEOUT', async () => {
    const started = Date.now();
    const pending = run({ command: 'node', args: ['-e', STUCK], timeoutMs: 1500 });
    const pids = await readPids(path.join(fx.root, 'pids'));
    expect(pids.every(isAlive)).toBe(true);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoError);
    expect((error as NoError).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
  });

  it('kills the process group when the call is aborted', async () => {
    const controller = new AbortController();
    const pending = run({ command: 'node', args: ['-e', STUCK] }, context({ signal: controller.signal }));
    const pids = await readPids(path.join(fx.root, 'pids'));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
    await expect(run({ command: 'echo', args: [] }, context({ signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('leaves nothing behind a command that exits normally', async () => {
    const script = `const {spawn}=require('child_process');const c=spawn('sleep',['300'],{stdio:'ignore'});
      require('fs').writeFileSync('pids', process.pid+' '+c.pid);c.unref();`;
    expect(await run({ command: 'node', args: ['-e', script] })).toMatchObject({ exitCode: 0 });
    const pids = await readPids(path.join(fx.root, 'pids'));
    expect(await waitFor(() => !pids.some(isAlive))).toBe(true);
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
    const broken = toolsFor({ root: fx.root, commands: ['echo'], env: { PATH, BAD: 'a\0b' } })['process-execution']!;
    await expect(call(broken, { command: 'echo', args: [] })).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await writeFile(path.join(fx.root, 'noexec.sh'), '#!/nonexistent/interpreter\n');
    await chmod(path.join(fx.root, 'noexec.sh'), 0o755);
    const badInterp = toolsFor({ root: fx.root, commands: ['noexec.sh'], env: { PATH: fx.root } })['process-execution']!;
    await expect(call(badInterp, { command: 'noexec.sh', args: [] })).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
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
