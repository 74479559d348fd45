import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { NoError } from '../../contracts/errors.js';

export interface ProcessResult {
  /**
   * The command's exit status. Under bubblewrap, a command killed by a signal inside the sandbox
   * shows as 128 + the signal's number, as a shell reports it.
   */
  exitCode: number | null;
  /** The signal that ended the process, when the tool killed it (output far past the cap) or, without a sandbox, any signal. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Output went past maxOutputBytes: the rest was dropped (and the process killed if far over). */
  truncated: boolean;
  durationMs: number;
}

/** One process to run to its end, under a time limit and an output cap. */
export interface CappedRun {
  file: string;
  args: readonly string[];
  /** What the child sees as argv[0]. @default file */
  argv0?: string;
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  signal: AbortSignal;
  maxOutputBytes: number;
  /**
   * The file is bwrap and reports on this descriptor: a run that ends without its `exit-code` there
   * failed in bwrap itself (set-up, or the command's exec), not in the command.
   */
  statusFd?: number;
  /** Named in error details. */
  command: string;
}

const O_CLOEXEC = 0o2000000;

/**
 * Descriptors this process inherited without close-on-exec. Node opens its own with it, and marks
 * inherited ones at start-up only up to the first gap past fd 15. Every child would get the rest: one
 * open on a folder outside the root is a way out of any mount namespace (`cat /proc/self/fd/40/secret`).
 */
export function inheritableFds(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    /* istanbul ignore next -- every Linux has /proc */
    return [];
  }
  const found: number[] = [];
  // Synchronous on purpose: tiny procfs reads, and no descriptor may open or close between list and spawn.
  for (const name of names) {
    const fd = Number(name);
    if (fd < 3) continue;
    let info = '';
    try {
      info = readFileSync(`/proc/self/fdinfo/${name}`, 'utf8');
    } catch {
      // the listing's own descriptor, closed since
    }
    const flags = /^flags:\s*([0-7]+)/m.exec(info)?.[1];
    if (flags !== undefined && (parseInt(flags, 8) & O_CLOEXEC) === 0) found.push(fd);
  }
  return found;
}

/** stdin/stdout/stderr (and the status pipe) as pipes; every inherited descriptor covered by /dev/null. */
function stdioFor(statusFd: number | undefined, inherited: number[], devNull: () => number): StdioOptions {
  const stdio: Array<'pipe' | 'ignore' | number> = ['pipe', 'pipe', 'pipe'];
  if (statusFd !== undefined) stdio[statusFd] = 'pipe';
  for (const fd of inherited) {
    for (let i = stdio.length; i < fd; i++) stdio[i] = 'ignore';
    if (stdio[fd] !== 'pipe') stdio[fd] = devNull();
  }
  for (let i = 0; i < stdio.length; i++) stdio[i] ??= 'ignore';
  return stdio;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs a process as the leader of its own group, and kills the group on timeout, abort, or output far
 * past the cap. Resolves with what it printed, or rejects with NoError('TIMEOUT' | 'ABORTED' |
 * 'INTERNAL_ERROR').
 */
export function runCapped(run: CappedRun): Promise<ProcessResult> {
  const started = performance.now();
  const cap = run.maxOutputBytes;
  const killAt = Math.max(cap * 2, cap + 64 * 1024);
  const cannotStart = (cause: unknown, stderr?: string) =>
    new NoError('INTERNAL_ERROR', 'the process could not be started', { cause, details: { command: run.command, ...(stderr === undefined ? {} : { stderr }) } });
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    let nullFd: number | undefined;
    try {
      const stdio = stdioFor(run.statusFd, inheritableFds(), () => (nullFd ??= openSync('/dev/null', 'r')));
      child = spawn(run.file, run.args, { cwd: run.cwd, env: run.env, shell: false, detached: true, stdio, argv0: run.argv0 ?? run.file });
    } catch (error) {
      /* istanbul ignore next -- spawn throws only when the system is out of descriptors or processes */
      return reject(cannotStart(error));
    } finally {
      if (nullFd !== undefined) closeSync(nullFd);
    }
    const stdin = child.stdin as Writable;
    const stdout = child.stdout as Readable;
    const stderr = child.stderr as Readable;
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    let status = '';
    let kept = 0;
    let seen = 0;
    let truncated = false;
    let killed = false;
    let ended: NoError | undefined;
    const kill = () => {
      killed = true;
      killGroup(child.pid);
    };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      seen += chunk.length;
      if (kept < cap) {
        const part = chunk.subarray(0, cap - kept);
        chunks[stream].push(part);
        kept += part.length;
      }
      if (seen > cap) truncated = true;
      if (seen > killAt) kill();
    };
    stdout.on('data', collect('stdout'));
    stderr.on('data', collect('stderr'));
    if (run.statusFd !== undefined) (child.stdio[run.statusFd] as Readable).on('data', (chunk: Buffer) => (status += chunk.toString('utf8')));
    stdin.on('error', () => undefined); // EPIPE when the child exits without reading
    stdin.end(run.stdin ?? '');

    const stop = (error: NoError) => {
      ended ??= error;
      kill();
      // A descendant in its own session may still hold the pipes: stop waiting for them.
      setTimeout(() => {
        for (const stream of child.stdio) stream?.destroy();
      }, 1000).unref();
    };
    const timer = setTimeout(
      () => stop(new NoError('TIMEOUT', `the process ran past ${run.timeoutMs} ms and was killed`, { details: { timeoutMs: run.timeoutMs } })),
      run.timeoutMs,
    );
    const onAbort = () => stop(new NoError('ABORTED', 'the call was aborted; the process was killed', { cause: run.signal.reason }));
    run.signal.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      run.signal.removeEventListener('abort', onAbort);
    };
    // The leader is gone: kill whatever it left in its group, so nothing outlives the call.
    child.on('exit', () => killGroup(child.pid));
    child.on('error', (error) => {
      finish();
      reject(cannotStart(error));
    });
    child.on('close', (exitCode, exitSignal) => {
      finish();
      if (ended !== undefined) {
        reject(ended);
        return;
      }
      const text = (list: Buffer[]) => Buffer.concat(list).toString('utf8');
      if (run.statusFd !== undefined && !killed && !/"exit-code"/.test(status)) {
        reject(cannotStart(new Error(`bwrap exited ${exitCode ?? exitSignal} before the command ran`), text(chunks.stderr)));
        return;
      }
      resolve({ exitCode, signal: exitSignal, stdout: text(chunks.stdout), stderr: text(chunks.stderr), truncated, durationMs: performance.now() - started });
    });
  });
}
