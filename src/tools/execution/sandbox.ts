import { constants, existsSync, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { NoError } from '../../contracts/errors.js';

/** `/proc/self/fd` lets us name an opened directory (an `openat` stand-in) and read back an fd's path. */
const PROC_FD = '/proc/self/fd';
export const hasProcFd = existsSync(PROC_FD);

export function deny(message: string, details: Record<string, unknown> = {}): never {
  throw new NoError('PERMISSION_DENIED', message, { details });
}

export function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new NoError('INVALID_INPUT', message, { details });
}

/**
 * Splits a caller's path, relative to the root, into plain segments. Refuses NUL bytes, absolute
 * paths, backslashes (a `..\` spelling elsewhere) and any `..` segment, even one that would stay
 * inside: the path is checked as written before anything touches the disk.
 */
export function parseRelative(input: string): string[] {
  if (input.includes('\0')) invalid('the path contains a NUL byte');
  if (input.includes('\\')) deny('backslashes are refused in paths', { path: input });
  if (input.startsWith('/')) deny('absolute paths are refused; give a path relative to the root', { path: input });
  const segments = input.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) deny('`..` is refused in paths', { path: input });
  return segments;
}

export function isInside(root: string, candidate: string): boolean {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate === root || candidate.startsWith(prefix);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Turns a file-system error into a typed NoError (a NoError passes through). */
export function fsError(error: unknown, target: string): NoError {
  if (error instanceof NoError) return error;
  const code = errorCode(error);
  const details = { path: target, errno: code };
  switch (code) {
    case 'ENOENT':
      return new NoError('INVALID_INPUT', 'no such file or directory', { details, cause: error });
    case 'EEXIST':
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENOTEMPTY':
    case 'ENAMETOOLONG':
    case 'EINVAL':
      return new NoError('INVALID_INPUT', `the operation does not apply to this path (${code})`, { details, cause: error });
    case 'ELOOP':
    case 'EACCES':
    case 'EPERM':
    case 'ENXIO':
    case 'EXDEV':
    case 'EROFS':
      return new NoError('PERMISSION_DENIED', `the operation is not permitted on this path (${code})`, { details, cause: error });
    default:
      return new NoError('INTERNAL_ERROR', 'file-system operation failed', { details, cause: error });
  }
}

/** Where a path lands: an existing entry's real path, or its nearest existing ancestor and the rest. */
export type Located =
  | { exists: true; real: string }
  | { exists: false; real: string; missing: string[] };

/**
 * Resolves `segments` under `root` (a real path), following symlinks, and refuses any step whose
 * real path leaves the root (symlinked directories included) or that is a dangling symlink.
 */
export async function locate(root: string, segments: string[]): Promise<Located> {
  for (let i = segments.length; i >= 0; i--) {
    const candidate = path.join(root, ...segments.slice(0, i));
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fsError(error, segments.join('/'));
      const present = await lstat(candidate).then(
        () => true,
        () => false,
      );
      if (present) deny('the path is a dangling symlink', { path: segments.slice(0, i).join('/') });
      continue;
    }
    if (!isInside(root, real)) deny('the path resolves outside the sandbox root', { path: segments.join('/') });
    return i === segments.length ? { exists: true, real } : { exists: false, real, missing: segments.slice(i) };
  }
  /* istanbul ignore next -- the root itself always exists once resolved */
  return invalid('the sandbox root is gone');
}

/**
 * Checks an opened descriptor is still inside the root (closing the check-then-open window): its
 * `/proc/self/fd` link on Linux, else that it is the same inode as `expected`.
 */
export async function verifyHandle(handle: FileHandle, root: string, expected: string): Promise<Stats> {
  const stats = await handle.stat();
  /* istanbul ignore else -- non-Linux fallback */
  if (hasProcFd) {
    const linked = await readlink(`${PROC_FD}/${handle.fd}`);
    if (!isInside(root, linked.replace(/ \(deleted\)$/, ''))) deny('the opened file is outside the sandbox root');
  } else {
    const now = await stat(expected);
    if (now.dev !== stats.dev || now.ino !== stats.ino) deny('the path changed while it was opened');
  }
  return stats;
}

/** Opens a directory by real path without following a final symlink, and verifies it. */
export async function openDirectory(root: string, real: string): Promise<FileHandle> {
  const handle = await open(real, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const stats = await verifyHandle(handle, root, real);
    /* istanbul ignore if -- O_DIRECTORY already refuses anything else */
    if (!stats.isDirectory()) invalid('not a directory');
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A name inside an opened directory: through its fd on Linux, so a swapped parent cannot redirect it. */
export function childOf(dir: FileHandle, dirReal: string, name: string): string {
  /* istanbul ignore next -- non-Linux fallback */
  return hasProcFd ? `${PROC_FD}/${dir.fd}/${name}` : path.join(dirReal, name);
}
