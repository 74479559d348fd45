import { execFileSync } from 'node:child_process';
import { link, lstat, mkdir, readFile, readlink, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { NoError } from '../../../src/contracts/errors';
import { verifyHandle, fsError, isInside, locate } from '../../../src/tools/execution/sandbox';
import { call, context, guardOutside, MARKER, refusal, toolsFor, type Fixture } from './helpers';

let fx: Fixture;
let fs: ReturnType<typeof toolsFor>['x'];
const op = (params: Record<string, unknown>) => call(fs, params);

const guard = guardOutside((fixture) => {
  fx = fixture;
  fs = toolsFor({ root: fx.root, maxFileBytes: 64 })['file-system-operation']!;
});

describe('file-system-operation: allowed operations', () => {
  it('writes, reads, appends, stats and lists inside the root', async () => {
    expect(await op({ operation: 'write', path: 'new.txt', content: 'one' })).toEqual({ path: 'new.txt', bytes: 3, created: true });
    expect(await op({ operation: 'append', path: 'new.txt', content: '+two' })).toMatchObject({ created: false });
    expect(await op({ operation: 'read', path: './new.txt' })).toMatchObject({ content: 'one+two', bytes: 7, encoding: 'utf8' });
    expect(await op({ operation: 'write', path: 'new.txt', content: 'x' })).toMatchObject({ created: false });
    expect(await readFile(path.join(fx.root, 'new.txt'), 'utf8')).toBe('x');
    expect(await op({ operation: 'append', path: 'a//fresh.txt', content: 'p' })).toMatchObject({ created: true });
    expect(await op({ operation: 'stat', path: 'a' })).toMatchObject({ type: 'directory', nlink: expect.any(Number) });
    expect(await op({ operation: 'stat', path: 'file.txt' })).toMatchObject({ type: 'file', size: 5, mode: expect.stringMatching(/^[0-7]+$/) });
    const listed = await op({ operation: 'list', path: '' });
    expect(listed.entries).toEqual(
      expect.arrayContaining([
        { name: 'a', type: 'directory' },
        { name: 'fifo', type: 'other' },
        { name: 'link-out', type: 'symlink' },
        { name: 'file.txt', type: 'file' },
      ]),
    );
    expect(listed.truncated).toBe(false);
    expect((await op({ operation: 'list', path: 'link-in' })).entries.map((e: { name: string }) => e.name)).toEqual(['abs-out', 'b', 'f.txt', 'fresh.txt']);
  });

  it('round-trips base64 and follows symlinks that stay inside', async () => {
    await op({ operation: 'write', path: 'bin', content: Buffer.from([0, 255, 1]).toString('base64'), encoding: 'base64' });
    expect([...(await readFile(path.join(fx.root, 'bin')))]).toEqual([0, 255, 1]);
    expect(await op({ operation: 'read', path: 'bin', encoding: 'base64' })).toMatchObject({ content: 'AP8B', bytes: 3 });
    expect(await op({ operation: 'read', path: 'link-in/f.txt' })).toMatchObject({ content: 'inside a' });
    await op({ operation: 'write', path: 'link-in/f.txt', content: 'via link' });
    expect(await readFile(path.join(fx.root, 'a', 'f.txt'), 'utf8')).toBe('via link');
  });

  it('answers exists without leaving the root', async () => {
    expect(await op({ operation: 'exists', path: 'file.txt' })).toEqual({ path: 'file.txt', exists: true });
    expect(await op({ operation: 'exists', path: 'nope/deeper' })).toEqual({ path: 'nope/deeper', exists: false });
    expect(await op({ operation: 'exists', path: 'file.txt/under' })).toMatchObject({ exists: false });
    await refusal(op({ operation: 'exists', path: 'link-out/sentinel.txt' }), 'PERMISSION_DENIED');
    await refusal(op({ operation: 'exists', path: 'link-out/missing/deeper' }), 'PERMISSION_DENIED');
  });

  it('mkdir creates nested directories and is idempotent', async () => {
    expect(await op({ operation: 'mkdir', path: 'x/y/z' })).toEqual({ path: 'x/y/z', created: true });
    expect((await stat(path.join(fx.root, 'x', 'y', 'z'))).isDirectory()).toBe(true);
    expect(await op({ operation: 'mkdir', path: 'x/y' })).toEqual({ path: 'x/y', created: false });
    await refusal(op({ operation: 'mkdir', path: 'file.txt' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'mkdir', path: 'file.txt/sub' }), 'INVALID_INPUT');
  });

  it('delete removes files, links (not their targets), empty and, with recursive, full directories', async () => {
    expect(await op({ operation: 'delete', path: 'file.txt' })).toEqual({ path: 'file.txt', deleted: true, type: 'file' });
    expect(await op({ operation: 'delete', path: 'link-out' })).toMatchObject({ type: 'symlink' });
    expect(await op({ operation: 'delete', path: 'link-out-file' })).toMatchObject({ type: 'symlink' });
    expect(await op({ operation: 'delete', path: 'dangling' })).toMatchObject({ type: 'symlink' });
    expect(await op({ operation: 'delete', path: 'hard' })).toMatchObject({ type: 'file' });
    await refusal(op({ operation: 'delete', path: 'a' }), 'INVALID_INPUT');
    expect(await op({ operation: 'delete', path: 'a/b' })).toMatchObject({ type: 'directory' });
    expect(await op({ operation: 'delete', path: 'a', recursive: true })).toMatchObject({ type: 'directory' });
    await refusal(op({ operation: 'delete', path: 'a' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'delete', path: 'ghost/x' }), 'INVALID_INPUT');
    expect(await readFile(path.join(fx.outside, 'hard-target.txt'), 'utf8')).toContain(MARKER);
  });

  it('resolves the root through a symlink once', async () => {
    await symlink(fx.root, path.join(fx.base, 'root-link'));
    await guard.resnapshot();
    const tool = toolsFor({ root: path.join(fx.base, 'root-link') })['file-system-operation']!;
    expect(await call(tool, { operation: 'read', path: 'file.txt' })).toMatchObject({ content: 'hello' });
    await refusal(call(tool, { operation: 'read', path: 'link-out/sentinel.txt' }), 'PERMISSION_DENIED');
  });
});

describe('file-system-operation: refusals', () => {
  it.each([
    ['..', 'PERMISSION_DENIED'],
    ['../outside/sentinel.txt', 'PERMISSION_DENIED'],
    ['a/../../outside/sentinel.txt', 'PERMISSION_DENIED'],
    ['a/../file.txt', 'PERMISSION_DENIED'],
    ['./../outside', 'PERMISSION_DENIED'],
    ['..\\outside\\sentinel.txt', 'PERMISSION_DENIED'],
    ['a\\..\\..\\x', 'PERMISSION_DENIED'],
    ['/etc/passwd', 'PERMISSION_DENIED'],
    ['//etc/passwd', 'PERMISSION_DENIED'],
    ['file.txt\0.png', 'INVALID_INPUT'],
    ['link-out/sentinel.txt', 'PERMISSION_DENIED'],
    ['link-out-file', 'PERMISSION_DENIED'],
    ['a/abs-out', 'PERMISSION_DENIED'],
    ['link-in/abs-out', 'PERMISSION_DENIED'],
    ['dangling', 'PERMISSION_DENIED'],
    [`link-out/dir-${MARKER}/inner.txt`, 'PERMISSION_DENIED'],
  ])('read %j → %s', async (p, code) => {
    await refusal(op({ operation: 'read', path: p }), code);
  });

  it('refuses writes through every escape, including to not-yet-existing names', async () => {
    for (const p of ['link-out/new.txt', 'link-out/deep/new.txt', 'dangling', 'link-out-file', '../pwned', '/tmp/pwned', 'a/abs-out']) {
      await refusal(op({ operation: 'write', path: p, content: 'pwned' }));
      await refusal(op({ operation: 'append', path: p, content: 'pwned' }));
      await refusal(op({ operation: 'mkdir', path: p }));
    }
  });

  it('refuses hard links to read or write (but lets the owner opt in)', async () => {
    const error = await refusal(op({ operation: 'read', path: 'hard' }), 'PERMISSION_DENIED');
    expect(error.details).toMatchObject({ nlink: 2 });
    await refusal(op({ operation: 'write', path: 'hard', content: 'x' }), 'PERMISSION_DENIED');
    await refusal(op({ operation: 'append', path: 'hard', content: 'x' }), 'PERMISSION_DENIED');
    // a hard link made inside the root, between two inside names, is refused the same way
    await link(path.join(fx.root, 'file.txt'), path.join(fx.root, 'twin'));
    await refusal(op({ operation: 'read', path: 'twin' }), 'PERMISSION_DENIED');
    const lenient = toolsFor({ root: fx.root, allowHardLinks: true })['file-system-operation']!;
    expect(await call(lenient, { operation: 'read', path: 'twin' })).toMatchObject({ content: 'hello' });
  });

  it('refuses FIFOs and devices for read and write, directories as INVALID_INPUT', async () => {
    await refusal(op({ operation: 'read', path: 'fifo' }), 'PERMISSION_DENIED');
    await refusal(op({ operation: 'write', path: 'fifo', content: 'x' }), 'PERMISSION_DENIED');
    expect(await op({ operation: 'stat', path: 'fifo' })).toMatchObject({ type: 'other' });
    await refusal(op({ operation: 'read', path: 'a' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'write', path: 'a', content: 'x' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'write', path: '', content: 'x' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'list', path: 'file.txt' }), 'INVALID_INPUT');
    await symlink('/dev/zero', path.join(fx.root, 'zero'));
    await refusal(op({ operation: 'read', path: 'zero' }), 'PERMISSION_DENIED');
  });

  it('refuses a FIFO that has a reader (opened, then refused by fstat)', async () => {
    const reader = await open(path.join(fx.root, 'fifo'), 'r+'); // O_RDWR never blocks on a FIFO
    try {
      await refusal(op({ operation: 'write', path: 'fifo', content: 'x' }), 'PERMISSION_DENIED');
    } finally {
      await reader.close();
    }
  });

  it('enforces the size limits on read, write and append', async () => {
    await writeFile(path.join(fx.root, 'big'), 'x'.repeat(65));
    await refusal(op({ operation: 'read', path: 'big' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'write', path: 'w', content: 'x'.repeat(65) }), 'INVALID_INPUT');
    expect((await op({ operation: 'exists', path: 'w' })).exists).toBe(false);
    await op({ operation: 'write', path: 'w', content: 'x'.repeat(60) });
    await refusal(op({ operation: 'append', path: 'w', content: 'x'.repeat(5) }), 'INVALID_INPUT');
    expect((await stat(path.join(fx.root, 'w'))).size).toBe(60);
  });

  it('refuses to delete the root, and requires content for write', async () => {
    for (const p of ['', '.', './', '//.']) await refusal(op({ operation: 'delete', path: p }), 'PERMISSION_DENIED');
    expect(() => fs.input.parse({ operation: 'write', path: 'x' })).toThrow(/content/);
    await refusal(op({ operation: 'write', path: 'no/parent/here', content: 'x' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'read', path: 'missing' }), 'INVALID_INPUT');
    await refusal(op({ operation: 'read', path: `${'n'.repeat(300)}` }), 'INVALID_INPUT');
  });

  it('refuses when the call is already aborted, a missing root at once, and a root removed later at the call', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(call(fs, { operation: 'read', path: 'file.txt' }, context({ signal: controller.signal }))).rejects.toMatchObject({ code: 'ABORTED' });
    const nowhere = path.join(fx.base, 'nowhere');
    expect(() => toolsFor({ root: nowhere })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringContaining('does not exist') }));
    await mkdir(nowhere);
    await guard.resnapshot();
    const later = toolsFor({ root: nowhere })['file-system-operation']!;
    await rmdir(nowhere);
    await guard.resnapshot();
    await expect(call(later, { operation: 'exists', path: 'x' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await mkdir(nowhere);
    await guard.resnapshot();
    expect(await call(later, { operation: 'exists', path: 'x' })).toEqual({ path: 'x', exists: false });
  });
});

describe('sandbox internals', () => {
  it('verifyHandle refuses a descriptor that ended up outside the root (a swapped directory)', async () => {
    const handle = await open(path.join(fx.outside, 'sentinel.txt'), 'r');
    try {
      await expect(verifyHandle(handle, fx.root, path.join(fx.root, 'file.txt'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    } finally {
      await handle.close();
    }
  });

  it('isInside is a path-segment prefix test', () => {
    expect(isInside('/r', '/r')).toBe(true);
    expect(isInside('/r', '/r/x')).toBe(true);
    expect(isInside('/r', '/rx')).toBe(false);
    expect(isInside('/', '/anything')).toBe(true);
  });

  it('fsError maps errno codes to typed errors', () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(fsError(e('ENOENT'), 'p').code).toBe('INVALID_INPUT');
    expect(fsError(e('EISDIR'), 'p').code).toBe('INVALID_INPUT');
    expect(fsError(e('ELOOP'), 'p').code).toBe('PERMISSION_DENIED');
    expect(fsError(e('EIO'), 'p').code).toBe('INTERNAL_ERROR');
    const own = new NoError('TIMEOUT', 't');
    expect(fsError(own, 'p')).toBe(own);
  });

  it('locate reports other errors as typed errors (a symlink loop)', async () => {
    await symlink('loop2', path.join(fx.root, 'loop1'));
    await symlink('loop1', path.join(fx.root, 'loop2'));
    await expect(locate(fx.root, ['loop1', 'x'])).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await refusal(op({ operation: 'read', path: 'loop1' }), 'PERMISSION_DENIED');
    expect(await readlink(path.join(fx.root, 'loop1'))).toBe('loop2');
    expect((await lstat(path.join(fx.root, 'fifo'))).isFIFO()).toBe(true);
    execFileSync('true');
  });
});
