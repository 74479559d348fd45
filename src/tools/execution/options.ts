import { statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { NoError } from '../../contracts/errors.js';
import { requireNumber } from '../../resilience/policy.js';
import { MAX_TIMER_MS } from '../../resilience/timeout.js';

/** Options of {@link executionTools}. */
export interface ExecutionToolsOptions {
  /** The sandbox root: every file path and working directory must resolve inside it. */
  root: string;
  /** Executable names (no `/`) the process tool may run, looked up on the child's PATH. @default [] */
  commands?: string[];
  /** Host names (exact, case-insensitive) the fetch tool may reach. @default [] (no network) */
  hosts?: string[];
  /** Cap of a process's stdout + stderr and of a fetched body. @default 1 MiB */
  maxOutputBytes?: number;
  /** Cap of a file read or written. @default 10 MiB */
  maxFileBytes?: number;
  /** Time limit of a process or a fetch when the call gives none. @default 30 s */
  defaultTimeoutMs?: number;
  /** The fetch implementation (tests inject one). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /**
   * The whole environment of child processes: nothing of this process's own environment reaches
   * them. PATH entries must be absolute, and may not lie inside the root (a program written there
   * would run under an allow-listed name). @default { PATH: '/usr/local/bin:/usr/bin:/bin' }
   */
  env?: Record<string, string>;
  /**
   * How `process-execution` confines the commands it runs. `'bubblewrap'` (or an object of
   * {@link BubblewrapOptions}) runs each one in a bubblewrap sandbox that sees only the root and the
   * system's read-only folders, with no network; where bubblewrap is missing or broken, every call is
   * refused (fail closed; see `sandboxStatus()`).
   *
   * `'none'` is UNSAFE: commands then run as this process's user with its whole file system and
   * network; only the allow-list and the argv-only call remain, and they confine nothing
   * (`cat /etc/passwd`, `git -C /elsewhere ...`, `cp x /anywhere`). Use it only where something
   * else (a container, a VM) is the sandbox.
   * @default 'bubblewrap'
   */
  sandbox?: 'bubblewrap' | 'none' | BubblewrapOptions;
  /**
   * Read and write regular files that have other hard links. Off by default: a hard link inside the
   * root may be the same inode as a file outside it, and nothing tells where the other names live.
   * @default false
   */
  allowHardLinks?: boolean;
}

/** Settings of the bubblewrap sandbox of `process-execution`. */
export interface BubblewrapOptions {
  /** The bwrap executable (an absolute path). @default the first of DEFAULT_BWRAP_PATHS that exists */
  bwrap?: string;
  /**
   * Extra host paths (absolute) bound read-only at the same path, e.g. a toolchain outside /usr
   * or `/etc/gitconfig`. A missing one is skipped. Programs in them may be run, unless they lie inside
   * the root. @default []
   */
  readOnly?: string[];
  /**
   * Give commands the host's network (and the name-resolution and TLS files of /etc): every host,
   * services on the host's 127.0.0.1 and its abstract Unix sockets included. Off, a command has its
   * own network namespace with nothing in it. The layer's `hosts` do not apply here: they govern
   * `network-fetch` only, and a sandbox cannot filter a program's connections by host.
   * @default false
   */
  network?: boolean;
}

/** The sandbox settings with defaults applied. */
export type SandboxConfig =
  | { kind: 'none' }
  | { kind: 'bubblewrap'; bwrap: string | undefined; readOnly: string[]; network: boolean };

export const DEFAULT_SANDBOX = 'bubblewrap';
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
/** An executable name: no path separator, no shell metacharacter, no leading dash. */
export const COMMAND_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;

/** The options with defaults applied; the root's real path is resolved once, at first use. */
export interface ExecutionConfig {
  realRoot(): Promise<string>;
  commands: ReadonlySet<string>;
  hosts: ReadonlySet<string>;
  maxOutputBytes: number;
  maxFileBytes: number;
  defaultTimeoutMs: number;
  fetch: typeof globalThis.fetch;
  env: Record<string, string>;
  allowHardLinks: boolean;
  sandbox: SandboxConfig;
}

/** Host names as URL.hostname spells them: lower-case, IPv6 literals in brackets. */
export function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

function absolute(name: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\0')) {
    throw new NoError('INVALID_REQUEST', `${name} must be an absolute path`, { details: { [name]: value } });
  }
  return value;
}

/** The one place a `sandbox` option becomes settings; anything else throws NoError('INVALID_REQUEST'). */
export function coerceSandbox(value: ExecutionToolsOptions['sandbox']): SandboxConfig {
  const chosen = value ?? DEFAULT_SANDBOX;
  if (chosen === 'none') return { kind: 'none' };
  if (chosen === 'bubblewrap') return { kind: 'bubblewrap', bwrap: undefined, readOnly: [], network: false };
  if (typeof chosen !== 'object' || chosen === null || Array.isArray(chosen)) {
    throw new NoError('INVALID_REQUEST', "sandbox must be 'bubblewrap', 'none' or bubblewrap options", { details: { sandbox: chosen } });
  }
  return {
    kind: 'bubblewrap',
    bwrap: chosen.bwrap === undefined ? undefined : absolute('sandbox.bwrap', chosen.bwrap),
    readOnly: (chosen.readOnly ?? []).map((entry) => absolute('sandbox.readOnly', entry)),
    network: chosen.network === true,
  };
}

/**
 * Checks the child environment: names without `=`, no NUL anywhere, and only absolute PATH entries
 * (an empty or relative entry is searched from the working directory, which is inside the root).
 */
function checkEnv(env: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(env)) {
    if (name === '' || name.includes('=') || name.includes('\0') || typeof value !== 'string' || value.includes('\0')) {
      throw new NoError('INVALID_REQUEST', 'env names must be non-empty without `=`, and names and values without NUL bytes', { details: { name } });
    }
  }
  const entries = env.PATH?.split(':') ?? [];
  const relative = entries.find((entry) => !entry.startsWith('/'));
  if (relative !== undefined) {
    throw new NoError('INVALID_REQUEST', 'env.PATH entries must be absolute paths (an empty entry means the working directory)', {
      details: { entry: relative },
    });
  }
  return env;
}

/**
 * A root that is not there would only show at the first call: refuse it when the layer is made. (The
 * real path is still resolved at first use, so a root that is moved later is not trusted from here.)
 */
function checkRootExists(root: string): void {
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(root);
  } catch (cause) {
    throw new NoError('INVALID_REQUEST', `the sandbox root '${root}' does not exist: create it first (mkdir -p ${root}) or pass an existing folder as root`, {
      cause,
      details: { root, resolved: path.resolve(root) },
    });
  }
  if (!stats!.isDirectory()) {
    throw new NoError('INVALID_REQUEST', `the sandbox root '${root}' is not a folder: pass a folder as root`, { details: { root } });
  }
}

/** Validates the options (a bad one throws NoError('INVALID_REQUEST')) and applies the defaults. */
export function resolveConfig(options: ExecutionToolsOptions): ExecutionConfig {
  if (typeof options.root !== 'string' || options.root.length === 0 || options.root.includes('\0')) {
    throw new NoError('INVALID_REQUEST', 'root must be a non-empty path');
  }
  checkRootExists(options.root);
  const commands = options.commands ?? [];
  for (const command of commands) {
    if (!COMMAND_NAME.test(command)) {
      throw new NoError('INVALID_REQUEST', 'commands must be plain executable names', { details: { command } });
    }
  }
  let root: Promise<string> | undefined;
  const realRoot = (): Promise<string> => {
    root ??= realpath(options.root).catch((cause: unknown) => {
      root = undefined;
      throw new NoError('INVALID_REQUEST', 'the sandbox root does not exist', { cause, details: { root: options.root } });
    });
    return root;
  };
  return {
    realRoot,
    commands: new Set(commands),
    hosts: new Set((options.hosts ?? []).map(normalizeHost)),
    maxOutputBytes: requireNumber('maxOutputBytes', options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES, { min: 1, integer: true }),
    maxFileBytes: requireNumber('maxFileBytes', options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, { min: 1, integer: true }),
    defaultTimeoutMs: requireNumber('defaultTimeoutMs', options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS, { min: 1, max: MAX_TIMER_MS, integer: true }),
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    env: checkEnv(options.env ?? { PATH: DEFAULT_PATH }),
    allowHardLinks: options.allowHardLinks ?? false,
    sandbox: coerceSandbox(options.sandbox),
  };
}

/** Throws NoError('ABORTED') when the call was cancelled or timed out. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new NoError('ABORTED', 'the call was aborted', { cause: signal.reason });
}
