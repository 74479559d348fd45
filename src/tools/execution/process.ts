import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { NoError } from '../../contracts/errors.js';
import { defineTool, type ToolDefinition } from '../tool.js';
import { COMMAND_NAME, throwIfAborted, type ExecutionConfig } from './options.js';
import { deny, fsError, invalid, locate, parseRelative } from './sandbox.js';

const MAX_TIMEOUT_MS = 600_000;

export const ProcessInputSchema = z.object({
  /** An allow-listed executable name (never a path). */
  command: z.string().min(1).max(128),
  /** Passed as argv, literally: no shell ever sees them. */
  args: z.array(z.string().max(65_536)).max(1024).default([]),
  /** Working directory, relative to the sandbox root. @default the root */
  cwd: z.string().max(4096).optional(),
  timeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  /** Written to the child's stdin, which is then closed. */
  stdin: z.string().max(10 * 1024 * 1024).optional(),
});
export type ProcessInput = z.infer<typeof ProcessInputSchema>;

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Output went past maxOutputBytes: the rest was dropped (and the process killed if far over). */
  truncated: boolean;
  durationMs: number;
}

/** Finds `name` on PATH: absolute entries only, so a relative entry cannot run a file from the sandbox. */
export async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      const stats = await stat(candidate);
      if (!stats.isFile()) continue;
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function processTool(config: ExecutionConfig): ToolDefinition<typeof ProcessInputSchema, ProcessResult> {
  const resolveCwd = async (cwd: string | undefined): Promise<string> => {
    const root = await config.realRoot();
    if (cwd === undefined) return root;
    const segments = parseRelative(cwd);
    const located = await locate(root, segments).catch((error: unknown) => {
      throw fsError(error, cwd);
    });
    if (!located.exists) invalid('the working directory does not exist', { cwd });
    const stats = await stat(located.real);
    if (!stats.isDirectory()) invalid('the working directory is not a directory', { cwd });
    return located.real;
  };

  return defineTool({
    name: 'process-execution',
    capability: 'process',
    description:
      'Runs an allow-listed command with literal arguments (no shell) inside the sandbox root, under a time ' +
      'limit and an output cap; returns exit code, signal, stdout, stderr.',
    input: ProcessInputSchema,
    mutating: true,
    async run(input, ctx) {
      throwIfAborted(ctx.signal);
      if (!COMMAND_NAME.test(input.command)) {
        deny('the command must be a plain executable name', { command: input.command });
      }
      if (!config.commands.has(input.command)) deny('the command is not on the allow-list', { command: input.command });
      if (input.args.some((arg) => arg.includes('\0'))) invalid('arguments cannot contain NUL bytes');
      const executable = await findExecutable(input.command, config.env.PATH ?? '');
      if (executable === undefined) invalid('the command was not found on PATH', { command: input.command });
      const cwd = await resolveCwd(input.cwd);
      throwIfAborted(ctx.signal);
      const timeoutMs = input.timeoutMs ?? config.defaultTimeoutMs;
      return run(executable, input, cwd, timeoutMs, ctx.signal);
    },
  });

  function run(executable: string, input: ProcessInput, cwd: string, timeoutMs: number, signal: AbortSignal): Promise<ProcessResult> {
    const started = performance.now();
    const cap = config.maxOutputBytes;
    const killAt = Math.max(cap * 2, cap + 64 * 1024);
    return new Promise((resolve, reject) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        child = spawn(executable, input.args, {
          cwd,
          env: config.env,
          shell: false,
          detached: true,
          stdio: ['pipe', 'pipe', 'pipe'],
          argv0: input.command,
        });
      } catch (error) {
        reject(new NoError('INTERNAL_ERROR', 'the process could not be started', { cause: error, details: { command: input.command } }));
        return;
      }
      const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      let kept = 0;
      let seen = 0;
      let truncated = false;
      let ended: NoError | undefined;
      const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        seen += chunk.length;
        if (kept < cap) {
          const part = chunk.subarray(0, cap - kept);
          chunks[stream].push(part);
          kept += part.length;
        }
        if (seen > cap) truncated = true;
        if (seen > killAt) killGroup(child.pid);
      };
      child.stdout.on('data', collect('stdout'));
      child.stderr.on('data', collect('stderr'));
      child.stdin.on('error', () => undefined); // EPIPE when the child exits without reading
      child.stdin.end(input.stdin ?? '');

      const stop = (error: NoError) => {
        ended ??= error;
        killGroup(child.pid);
        // A descendant in its own session may still hold the pipes: stop waiting for them.
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, 1000).unref();
      };
      const timer = setTimeout(
        () => stop(new NoError('TIMEOUT', `the process ran past ${timeoutMs} ms and was killed`, { details: { timeoutMs } })),
        timeoutMs,
      );
      const onAbort = () => stop(new NoError('ABORTED', 'the call was aborted; the process was killed', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      // The leader is gone: kill whatever it left in its group, so nothing outlives the call.
      child.on('exit', () => killGroup(child.pid));
      child.on('error', (error) => {
        finish();
        reject(new NoError('INTERNAL_ERROR', 'the process could not be started', { cause: error, details: { command: input.command } }));
      });
      child.on('close', (exitCode, exitSignal) => {
        finish();
        if (ended !== undefined) {
          reject(ended);
          return;
        }
        resolve({
          exitCode,
          signal: exitSignal,
          stdout: Buffer.concat(chunks.stdout).toString('utf8'),
          stderr: Buffer.concat(chunks.stderr).toString('utf8'),
          truncated,
          durationMs: performance.now() - started,
        });
      });
    });
  }
}
