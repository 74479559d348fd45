import { realpath } from 'node:fs/promises';
import { NoError } from '../../contracts/errors.js';

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
  /** Environment of child processes. @default { PATH: '/usr/local/bin:/usr/bin:/bin' } */
  env?: Record<string, string>;
  /**
   * Read and write regular files that have other hard links. Off by default: a hard link inside the
   * root may be the same inode as a file outside it, and nothing tells where the other names live.
   * @default false
   */
  allowHardLinks?: boolean;
}

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
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new NoError('INVALID_REQUEST', `${name} must be a positive integer`, { details: { [name]: value } });
  }
  return value;
}

/** Host names as URL.hostname spells them: lower-case, IPv6 literals in brackets. */
export function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** Validates the options (a bad one throws NoError('INVALID_REQUEST')) and applies the defaults. */
export function resolveConfig(options: ExecutionToolsOptions): ExecutionConfig {
  if (typeof options.root !== 'string' || options.root.length === 0 || options.root.includes('\0')) {
    throw new NoError('INVALID_REQUEST', 'root must be a non-empty path');
  }
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
    maxOutputBytes: positive('maxOutputBytes', options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES),
    maxFileBytes: positive('maxFileBytes', options.maxFileBytes, DEFAULT_MAX_FILE_BYTES),
    defaultTimeoutMs: positive('defaultTimeoutMs', options.defaultTimeoutMs, DEFAULT_TIMEOUT_MS),
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    env: options.env ?? { PATH: DEFAULT_PATH },
    allowHardLinks: options.allowHardLinks ?? false,
  };
}

/** Throws NoError('ABORTED') when the call was cancelled or timed out. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new NoError('ABORTED', 'the call was aborted', { cause: signal.reason });
}
