import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { NoError } from '../../contracts/errors.js';
import { abortError } from '../../resilience/abort.js';
import { findExecutable } from './executable.js';
import { isInside } from './sandbox.js';

/** Where bwrap is looked for when the layer names none. Fixed paths: this process's PATH is not consulted. */
export const DEFAULT_BWRAP_PATHS: readonly string[] = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'];
/** How long the one-time self-test of bwrap may take before the sandbox counts as broken. */
export const DEFAULT_SANDBOX_PROBE_TIMEOUT_MS = 10_000;
/**
 * Host paths every sandbox binds read-only, when present: what programs need to start. Not /etc:
 * only the dynamic linker's cache and the Debian-style alternatives links (awk, editor...), so
 * /etc/passwd, /etc/shadow and the host's configuration stay out of sight.
 */
export const SYSTEM_PATHS: readonly string[] = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc/alternatives', '/etc/ld.so.cache'];
/** Bound too when a layer gives commands the network: name resolution and TLS roots. */
export const NETWORK_PATHS: readonly string[] = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/gai.conf', '/etc/host.conf', '/etc/ssl', '/etc/ca-certificates', '/etc/pki'];
/** The hostname commands see (the host's own name would otherwise show through). */
export const SANDBOX_HOSTNAME = 'sandbox';
/** The bwrap file descriptor that reports the child's start and exit, told apart from bwrap's own failures. */
export const STATUS_FD = 3;
const FIX =
  "install bubblewrap (apt-get install bubblewrap; dnf install bubblewrap; apk add bubblewrap), give its path with the layer option sandbox: { bwrap: '/path/to/bwrap' }, " +
  "or opt out with sandbox: 'none' (unsafe: commands then reach the whole machine)";

/** One step of the sandbox's file-system view; every bind has the same path inside as outside. */
export type Mount =
  | { kind: 'ro' | 'rw' | 'tmpfs' | 'proc' | 'dev'; path: string }
  | { kind: 'symlink'; path: string; target: string };

/** Whether commands can be confined, and if not why and what to do. */
export type SandboxStatus =
  | { available: true; bwrap: string }
  | { available: false; bwrap: string | undefined; reason: string; fix: string };

const depth = (p: string): number => p.split('/').filter(Boolean).length;

/** Parents before children (a stable sort keeps equal depths in order), so a deeper mount lands on top. */
function byDepth(mounts: Mount[]): Mount[] {
  return mounts.map((mount, i) => ({ mount, i })).sort((a, b) => depth(a.mount.path) - depth(b.mount.path) || a.i - b.i).map((x) => x.mount);
}

/**
 * The host's system paths as mounts. A link into another listed folder stays a link (`/bin ->
 * usr/bin` on merged-/usr systems), so both spellings work as on the host; any other link is bound by
 * what it points at.
 */
export async function hostMounts(paths: readonly string[]): Promise<Mount[]> {
  const found = await Promise.all(paths.map(async (p) => ({ p, stats: await lstat(p).catch(() => undefined) })));
  const folders = found.filter((f) => f.stats?.isDirectory()).map((f) => f.p);
  const mounts: Mount[] = [];
  for (const { p, stats } of found) {
    if (stats === undefined) continue;
    if (stats.isSymbolicLink()) {
      const real = await realpath(p).catch(() => undefined);
      if (real === undefined) continue;
      if (folders.some((folder) => isInside(folder, real))) {
        mounts.push({ kind: 'symlink', path: p, target: await readlink(p) });
        continue;
      }
    }
    mounts.push({ kind: 'ro', path: p });
  }
  return mounts;
}

let system: Promise<Mount[]> | undefined;
let network: Promise<Mount[]> | undefined;

/**
 * What a command sees: the system folders read-only, the user's extra read-only paths (by real
 * path), a private /tmp, the root read-write at its own path (so absolute paths recorded inside it,
 * such as a venv's shebangs or a worktree's gitdir, keep working; the root's parents exist only as
 * empty folders on the sandbox's own read-only tmpfs), and fresh /proc and /dev.
 */
export async function sandboxView(root: string | undefined, settings: { readOnly: readonly string[]; network: boolean }): Promise<Mount[]> {
  system ??= hostMounts(SYSTEM_PATHS);
  const mounts = [...(await system)];
  if (settings.network) mounts.push(...(await (network ??= hostMounts(NETWORK_PATHS))));
  for (const extra of settings.readOnly) {
    const real = await realpath(extra).catch(() => undefined);
    if (real !== undefined) mounts.push({ kind: 'ro', path: real });
  }
  mounts.push({ kind: 'tmpfs', path: '/tmp' });
  if (root !== undefined) mounts.push({ kind: 'rw', path: root });
  mounts.push({ kind: 'proc', path: '/proc' }, { kind: 'dev', path: '/dev' });
  return byDepth(mounts);
}

/**
 * Whether the program at `real` (a host real path) is one the layer trusts: seen inside the sandbox
 * through a read-only bind, and not inside the root, where agents write.
 */
export function runnableInView(view: readonly Mount[], root: string | undefined, real: string): boolean {
  if (root !== undefined && isInside(root, real)) return false;
  const top = view.filter((mount) => isInside(mount.path, real)).at(-1);
  return top?.kind === 'ro';
}

/** Looks `name` up on PATH as the sandbox sees it: the first executable whose real path is runnable. */
export async function findInView(name: string, searchPath: string, view: readonly Mount[], root: string | undefined): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = await findExecutable(name, dir);
    if (candidate === undefined) continue;
    const real = await realpath(candidate).catch(() => undefined);
    if (real !== undefined && runnableInView(view, root, real)) return candidate;
  }
  return undefined;
}

/** What to run in a sandbox, and how. */
export interface BwrapCommand {
  view: readonly Mount[];
  /** The whole environment of the command. */
  env: Readonly<Record<string, string>>;
  network: boolean;
  /** The working directory (a real path inside the root). @default bwrap's own, `/` */
  cwd?: string;
  /** The executable's absolute path, then its arguments. */
  argv: readonly string[];
}

/**
 * bwrap's argv: every namespace unshared (user, PID, network, IPC, UTS, cgroup; the network kept only
 * when asked), no capabilities, a new session (no typing into the caller's terminal), killed with its
 * parent, a clean environment, the view, then the sandbox's own root made read-only.
 */
export function bwrapArgs(command: BwrapCommand): string[] {
  const args = ['--unshare-all', ...(command.network ? ['--share-net'] : []), '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  args.push('--hostname', SANDBOX_HOSTNAME, '--clearenv');
  for (const [name, value] of Object.entries(command.env)) args.push('--setenv', name, value);
  args.push('--json-status-fd', String(STATUS_FD));
  for (const mount of command.view) {
    if (mount.kind === 'symlink') args.push('--symlink', mount.target, mount.path);
    else if (mount.kind === 'ro') args.push('--ro-bind-try', mount.path, mount.path);
    else if (mount.kind === 'rw') args.push('--bind', mount.path, mount.path);
    else args.push(`--${mount.kind}`, mount.path);
  }
  args.push('--remount-ro', '/');
  if (command.cwd !== undefined) args.push('--chdir', command.cwd);
  return [...args, '--', ...command.argv];
}

/** Runs bwrap on `true` in the strictest view; resolves to the failure's text, or undefined when it worked. */
function selfTest(bwrap: string, argv: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(bwrap, argv, { env: {}, cwd: '/', stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(0, 2000)));
    (child.stdio[STATUS_FD] as NodeJS.ReadableStream | null)?.resume();
    const timer = setTimeout(() => {
      stderr = `it did not finish within ${timeoutMs} ms`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`bwrap could not be run (${error.code ?? error.message})`);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // --clearenv and --json-status-fd came with bubblewrap 0.5.
      const old = /unknown option/i.test(stderr) ? ' (this bwrap is too old: bubblewrap 0.5 or newer is needed)' : '';
      resolve(code === 0 ? undefined : `bwrap failed its self-test (exit ${code ?? 'by signal'}): ${stderr.trim() || 'no message'}${old}`);
    });
  });
}

async function probe(given: string | undefined, timeoutMs: number): Promise<SandboxStatus> {
  const unavailable = (bwrap: string | undefined, reason: string): SandboxStatus => ({ available: false, bwrap, reason, fix: FIX });
  /* istanbul ignore if -- the suite runs on Linux */
  if (process.platform !== 'linux') return unavailable(given, `bubblewrap runs on Linux only, and this is ${process.platform}`);
  const bwrap = given ?? DEFAULT_BWRAP_PATHS.find((candidate) => existsSync(candidate));
  if (bwrap === undefined) return unavailable(undefined, `bubblewrap is not installed (no ${DEFAULT_BWRAP_PATHS.join(', ')})`);
  const view = await sandboxView(undefined, { readOnly: [], network: false });
  const truePath = await findInView('true', '/usr/bin:/bin', view, undefined);
  /* istanbul ignore if -- every Linux with coreutils has `true` */
  if (truePath === undefined) return unavailable(bwrap, 'there is no `true` in /usr/bin or /bin to test the sandbox with');
  const failure = await selfTest(bwrap, bwrapArgs({ view, env: {}, network: false, argv: [truePath] }), timeoutMs);
  return failure === undefined ? { available: true, bwrap } : unavailable(bwrap, failure);
}

const probes = new Map<string, Promise<SandboxStatus>>();

/** Options of {@link sandboxStatus}. */
export interface SandboxStatusOptions {
  /** The bwrap executable to test. @default the first of DEFAULT_BWRAP_PATHS that exists */
  bwrap?: string;
  /** Limit of the self-test, for the first call on a given bwrap. @default DEFAULT_SANDBOX_PROBE_TIMEOUT_MS */
  timeoutMs?: number;
  /** Stops waiting (NoError('ABORTED')); the shared self-test itself runs on for later callers. */
  signal?: AbortSignal;
}

/**
 * Whether `process-execution` can confine commands here: bwrap found and able to run `true` in a
 * sandbox. Probed once per bwrap path and cached (restart after installing bubblewrap).
 *
 * @example
 * const status = await sandboxStatus();
 * if (!status.available) console.warn(`commands will be refused: ${status.reason}; ${status.fix}`);
 */
export function sandboxStatus(options: SandboxStatusOptions = {}): Promise<SandboxStatus> {
  const key = options.bwrap ?? '';
  let status = probes.get(key);
  if (status === undefined) {
    status = probe(options.bwrap, options.timeoutMs ?? DEFAULT_SANDBOX_PROBE_TIMEOUT_MS);
    probes.set(key, status);
  }
  const { signal } = options;
  if (signal === undefined) return status;
  if (signal.aborted) return Promise.reject(abortError(signal, 'the call was aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, 'the call was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    void status.then(resolve).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The bwrap path to use, or NoError('PERMISSION_DENIED') naming what is missing and how to fix it. */
export async function requireSandbox(bwrap: string | undefined, signal?: AbortSignal): Promise<string> {
  const status = await sandboxStatus({ ...(bwrap === undefined ? {} : { bwrap }), ...(signal === undefined ? {} : { signal }) });
  if (status.available) return status.bwrap;
  throw new NoError('PERMISSION_DENIED', `commands are refused: no process sandbox is available (${status.reason}); ${status.fix}`, {
    details: { reason: 'sandbox-unavailable', bwrap: status.bwrap, cause: status.reason },
  });
}
