import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { link, lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NoError } from '../../../src/contracts/errors';
import type { ToolResult } from '../../../src/contracts/tools';
import type { ToolContext, ToolDefinition } from '../../../src/tools/tool';
import { executionTools, type ExecutionToolsOptions } from '../../../src/tools/execution/index';

/** Text planted in every file outside the root: it must never show up in a result. */
export const MARKER = 'SENTINEL-7f3a9c-OUTSIDE';
/** Size of the outside sentinel file, which no file inside the root has. */
export const SENTINEL_SIZE = 7777;

export interface Fixture {
  base: string;
  root: string;
  outside: string;
  cleanup(): Promise<void>;
}

/**
 * A temp dir with `outside/` (sentinels) and `root/` holding the usual traps: symlinks out (file, dir,
 * dangling), a symlink in, a hard link to an outside file, a FIFO.
 */
export async function makeFixture(): Promise<Fixture> {
  const base = await realpath(await mkdtemp(path.join(tmpdir(), 'no-exec-')));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(outside, `dir-${MARKER}`), { recursive: true });
  await writeFile(path.join(outside, 'sentinel.txt'), MARKER.padEnd(SENTINEL_SIZE, '#'));
  await writeFile(path.join(outside, 'hard-target.txt'), `${MARKER} hard`);
  await writeFile(path.join(outside, `dir-${MARKER}`, 'inner.txt'), MARKER);
  await mkdir(path.join(root, 'a', 'b'), { recursive: true });
  await writeFile(path.join(root, 'a', 'f.txt'), 'inside a');
  await writeFile(path.join(root, 'file.txt'), 'hello');
  await symlink('../outside', path.join(root, 'link-out'));
  await symlink('../outside/sentinel.txt', path.join(root, 'link-out-file'));
  await symlink('../outside/missing.txt', path.join(root, 'dangling'));
  await symlink('a', path.join(root, 'link-in'));
  await symlink(path.join(outside, 'sentinel.txt'), path.join(root, 'a', 'abs-out'));
  await link(path.join(outside, 'hard-target.txt'), path.join(root, 'hard'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  return { base, root, outside, cleanup: () => rm(base, { recursive: true, force: true }) };
}

/**
 * Everything under `base` except `root/`: type, mode, content hash, symlink target. A change means
 * something outside the sandbox was created, removed or modified (nlink and times excluded: deleting a
 * hard link inside the root legitimately changes the outside inode's nlink and ctime).
 */
export async function snapshotOutside(base: string, skip = 'root'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      if (full === path.join(base, skip)) continue;
      const stats = await lstat(full);
      let fact = `${stats.mode.toString(8)}`;
      if (stats.isSymbolicLink()) fact += ` -> ${await readlink(full)}`;
      else if (stats.isFile()) fact += ` ${createHash('sha256').update(await readFile(full)).digest('hex')}`;
      out.set(path.relative(base, full), fact);
      if (stats.isDirectory()) await walk(full);
    }
  };
  await walk(base);
  // The base's own parent: nothing new next to it either.
  out.set('..', (await readdir(path.dirname(base))).filter((n) => n.includes('pwned')).join(','));
  return out;
}

export function context(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    caller: 'test',
    signal: new AbortController().signal,
    layer: 'execution',
    invoke: async () => {
      throw new Error('invoke not wired');
    },
    ...overrides,
  };
}

export function toolsFor(options: ExecutionToolsOptions): Record<string, ToolDefinition> {
  return Object.fromEntries(executionTools(options).map((tool) => [tool.name, tool]));
}

/** Validates with the tool's schema (as the gate does) and runs it. */
export async function call(tool: ToolDefinition, params: unknown, ctx: ToolContext = context()): Promise<any> {
  return tool.run(tool.input.parse(params), ctx);
}

/** A minimal stand-in for the gate's invoke: schema, run, NoError → error result. */
export function miniInvoke(tools: Record<string, ToolDefinition>, signal?: AbortSignal): ToolContext['invoke'] {
  const invoke: ToolContext['invoke'] = async (name, params) => {
    const tool = tools[name];
    const timestamp = new Date().toISOString();
    if (tool === undefined) {
      return { ok: false, tool: name, layer: 'execution', error: { code: 'INVALID_INPUT', message: 'no tool', timestamp }, durationMs: 0 };
    }
    try {
      const data = await call(tool, params, context({ invoke, ...(signal ? { signal } : {}) }));
      return { ok: true, tool: name, layer: 'execution', type: 'data', data, durationMs: 0 } satisfies ToolResult;
    } catch (error) {
      const code = error instanceof NoError && (error.code === 'INVALID_INPUT' || error.code === 'PERMISSION_DENIED') ? error.code : 'INTERNAL_ERROR';
      return { ok: false, tool: name, layer: 'execution', error: { code, message: String(error), timestamp }, durationMs: 0 };
    }
  };
  return invoke;
}

export const REFUSALS = ['PERMISSION_DENIED', 'INVALID_INPUT'];

/** Awaits a refusal: a NoError of code PERMISSION_DENIED or INVALID_INPUT, never anything else. */
export async function refusal(promise: Promise<unknown>, code?: string): Promise<NoError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NoError);
  const noError = error as NoError;
  if (code === undefined) expect(REFUSALS).toContain(noError.code);
  else expect(noError.code).toBe(code);
  return noError;
}

/** Alive and not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/**
 * Host pids of live processes whose command line holds `marker`: a sandboxed command has its own PID
 * namespace, so the pids it sees itself mean nothing here.
 */
export function hostPids(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker) && isAlive(Number(name))) found.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/**
 * Gives every test a fresh fixture and fails it if anything outside the root changed. `resnapshot()`
 * accepts changes a test made outside the root on purpose (e.g. a symlinked root).
 */
export function guardOutside(setup: (fixture: Fixture) => void): { resnapshot(): Promise<void>; check(): Promise<void> } {
  let fixture: Fixture;
  let before: Map<string, string>;
  beforeEach(async () => {
    fixture = await makeFixture();
    setup(fixture);
    before = await snapshotOutside(fixture.base);
  });
  afterEach(async () => {
    try {
      expect(await snapshotOutside(fixture.base)).toEqual(before);
    } finally {
      await fixture.cleanup();
    }
  });
  return {
    async resnapshot() {
      before = await snapshotOutside(fixture.base);
    },
    async check() {
      expect(await snapshotOutside(fixture.base)).toEqual(before);
    },
  };
}
