import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../tool.js';
import { throwIfAborted, type ExecutionConfig } from './options.js';
import {
  childOf, deny, fsError, hasProcFd, invalid, locate, openDirectory, parseRelative, verifyHandle,
} from './sandbox.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;
const MAX_ENTRIES = 10_000;

export const FileSystemInputSchema = z
  .object({
    operation: z.enum(['read', 'write', 'append', 'list', 'stat', 'delete', 'mkdir', 'exists']),
    /** Relative to the sandbox root; `''` or `.` is the root. */
    path: z.string().max(4096),
    /** The data of write and append, in `encoding`. */
    content: z.string().optional(),
    /** How content is given (write, append) or returned (read). @default 'utf8' */
    encoding: z.enum(['utf8', 'base64']).optional(),
    /** delete: remove a non-empty directory and everything in it. @default false */
    recursive: z.boolean().optional(),
  })
  .refine((input) => (input.operation !== 'write' && input.operation !== 'append') || input.content !== undefined, {
    message: 'write and append need content',
    path: ['content'],
  });
export type FileSystemInput = z.infer<typeof FileSystemInputSchema>;

type EntryType = 'file' | 'directory' | 'symlink' | 'other';
function typeOf(entry: Pick<Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): EntryType {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  return entry.isSymbolicLink() ? 'symlink' : 'other';
}

async function closing<T>(handle: FileHandle, body: (handle: FileHandle) => Promise<T>): Promise<T> {
  try {
    return await body(handle);
  } finally {
    await handle.close();
  }
}

export function fileSystemTool(config: ExecutionConfig): ToolDefinition<typeof FileSystemInputSchema> {
  /** Refuses what a regular-file read or write must not touch: directories, devices, FIFOs, hard links. */
  const checkRegular = (stats: Stats, shown: string): void => {
    if (stats.isDirectory()) invalid('the path is a directory', { path: shown });
    if (!stats.isFile()) deny('only regular files can be read or written', { path: shown, type: typeOf(stats) });
    if (stats.nlink > 1 && !config.allowHardLinks) {
      deny('the file has other hard links, which may lie outside the sandbox', { path: shown, nlink: stats.nlink });
    }
  };

  const existing = async (root: string, segments: string[], shown: string): Promise<string> => {
    const located = await locate(root, segments);
    if (!located.exists) invalid('no such file or directory', { path: shown });
    return located.real;
  };

  const read = async (root: string, segments: string[], input: FileSystemInput) => {
    const real = await existing(root, segments, input.path);
    const handle = await open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    return closing(handle, async () => {
      const stats = await verifyHandle(handle, root, real);
      checkRegular(stats, input.path);
      if (stats.size > config.maxFileBytes) invalid('the file is larger than maxFileBytes', { size: stats.size, max: config.maxFileBytes });
      const buffer = Buffer.alloc(config.maxFileBytes + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > config.maxFileBytes) invalid('the file grew past maxFileBytes', { max: config.maxFileBytes });
      }
      const encoding = input.encoding ?? 'utf8';
      return { path: input.path, content: buffer.subarray(0, length).toString(encoding), encoding, bytes: length };
    });
  };

  const write = async (root: string, segments: string[], input: FileSystemInput, append: boolean) => {
    if (segments.length === 0) invalid('the root is a directory');
    const data = Buffer.from(input.content ?? '', input.encoding ?? 'utf8');
    if (data.length > config.maxFileBytes) invalid('the content is larger than maxFileBytes', { bytes: data.length, max: config.maxFileBytes });
    const located = await locate(root, segments);
    if (located.exists) {
      const handle = await open(located.real, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | (append ? O_APPEND : 0));
      return closing(handle, async () => {
        const stats = await verifyHandle(handle, root, located.real);
        checkRegular(stats, input.path);
        if (append && stats.size + data.length > config.maxFileBytes) {
          invalid('the file would grow past maxFileBytes', { size: stats.size, bytes: data.length, max: config.maxFileBytes });
        }
        if (!append) await handle.truncate(0);
        await handle.writeFile(data);
        return { path: input.path, bytes: data.length, created: false };
      });
    }
    if (located.missing.length > 1) invalid('the parent directory does not exist', { path: input.path });
    const dir = await openDirectory(root, located.real);
    return closing(dir, async () => {
      const name = located.missing[0]!;
      const file = await open(childOf(dir, located.real, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
      await closing(file, async () => file.writeFile(data));
      return { path: input.path, bytes: data.length, created: true };
    });
  };

  const list = async (root: string, segments: string[], input: FileSystemInput) => {
    const real = await existing(root, segments, input.path);
    const dir = await openDirectory(root, real);
    return closing(dir, async () => {
      /* istanbul ignore next -- non-Linux fallback */
      const entries = await readdir(hasProcFd ? childOf(dir, real, '') : real, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return {
        path: input.path,
        entries: entries.slice(0, MAX_ENTRIES).map((entry) => ({ name: entry.name, type: typeOf(entry) })),
        truncated: entries.length > MAX_ENTRIES,
      };
    });
  };

  const statOf = async (root: string, segments: string[], input: FileSystemInput) => {
    const real = await existing(root, segments, input.path);
    const handle = await open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    return closing(handle, async () => {
      const stats = await verifyHandle(handle, root, real);
      return {
        path: input.path,
        type: typeOf(stats),
        size: stats.size,
        mode: (stats.mode & 0o7777).toString(8),
        nlink: stats.nlink,
        modified: stats.mtime.toISOString(),
      };
    });
  };

  const remove = async (root: string, segments: string[], input: FileSystemInput) => {
    if (segments.length === 0) deny('the sandbox root cannot be deleted');
    const parent = await existing(root, segments.slice(0, -1), input.path);
    const dir = await openDirectory(root, parent);
    return closing(dir, async () => {
      const target = childOf(dir, parent, segments[segments.length - 1]!);
      const stats = await lstat(target);
      if (!stats.isDirectory()) await unlink(target);
      else if (input.recursive === true) await rm(target, { recursive: true });
      else await rmdir(target);
      return { path: input.path, deleted: true, type: typeOf(stats) };
    });
  };

  const makeDirectory = async (root: string, segments: string[], input: FileSystemInput) => {
    const located = await locate(root, segments);
    if (located.exists) {
      const handle = await open(located.real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      const stats = await closing(handle, async () => verifyHandle(handle, root, located.real));
      if (!stats.isDirectory()) invalid('the path exists and is not a directory', { path: input.path });
      return { path: input.path, created: false };
    }
    let real = located.real;
    let dir = await openDirectory(root, real);
    try {
      for (const name of located.missing) {
        await mkdir(childOf(dir, real, name), 0o755);
        const next = await open(childOf(dir, real, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        await dir.close();
        dir = next;
        real = path.join(real, name);
        await verifyHandle(dir, root, real);
      }
    } finally {
      await dir.close();
    }
    return { path: input.path, created: true };
  };

  const exists = async (root: string, segments: string[], input: FileSystemInput) => {
    const located = await locate(root, segments);
    return { path: input.path, exists: located.exists };
  };

  return defineTool({
    name: 'file-system-operation',
    capability: 'file-system',
    description:
      'Reads, writes, appends, lists, stats, deletes and creates files and directories inside the sandbox root. ' +
      'Paths are relative to the root; `..`, absolute paths and symlinks leading outside are refused.',
    input: FileSystemInputSchema,
    mutating: true,
    async run(input, ctx) {
      throwIfAborted(ctx.signal);
      const segments = parseRelative(input.path);
      const root = await config.realRoot();
      try {
        switch (input.operation) {
          case 'read': return await read(root, segments, input);
          case 'write': return await write(root, segments, input, false);
          case 'append': return await write(root, segments, input, true);
          case 'list': return await list(root, segments, input);
          case 'stat': return await statOf(root, segments, input);
          case 'delete': return await remove(root, segments, input);
          case 'mkdir': return await makeDirectory(root, segments, input);
          case 'exists': return await exists(root, segments, input);
        }
      } catch (error) {
        throw fsError(error, input.path);
      }
    },
  });
}
