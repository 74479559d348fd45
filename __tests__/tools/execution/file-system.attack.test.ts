import { spawn } from 'node:child_process';
import { mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { NoError } from '../../../src/contracts/errors';
import { call, makeFixture, MARKER, REFUSALS, SENTINEL_SIZE, snapshotOutside, toolsFor, type Fixture } from './helpers';

const OPERATIONS = ['read', 'write', 'append', 'list', 'stat', 'delete', 'mkdir', 'exists'] as const;
const SEGMENTS = [
  '..', '.', '...', 'a', 'b', 'new', '%2e%2e', '%2e%2e%2f', '..%2f', '..%5c', '.%2e', '%00', '..\\', '\\..', '\\',
  '/', '//', '\0', '..\0', 'link-out', 'link-out-file', 'link-in', 'dangling', 'hard', 'fifo', 'file.txt', 'abs-out',
  'outside', 'sentinel.txt', `dir-${MARKER}`, 'root', '~', '$HOME', '..;', '. .', ' ..', '\uff0e\uff0e', '..\u2215', '\u2025',
];
const SEPARATORS = ['/', '//', '/./', '\\', '', '/../'];
const PREFIXES = ['', '', '', '/', './', '../', '..\\', '@OUT@/', '@ROOT@/../', '@BASE@/'];

const pathArb = fc
  .record({
    prefix: fc.constantFrom(...PREFIXES),
    parts: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...SEGMENTS), fc.string({ maxLength: 4 })), fc.constantFrom(...SEPARATORS)), {
      maxLength: 6,
    }),
  })
  .map(({ prefix, parts }) => prefix + parts.map(([segment, sep]) => segment + sep).join(''));

const requestArb = fc.record({
  operation: fc.constantFrom(...OPERATIONS),
  path: pathArb,
  content: fc.oneof(fc.string({ maxLength: 16 }), fc.constant(`pwned ${'x'.repeat(100)}`)),
  encoding: fc.constantFrom(undefined, 'utf8', 'base64'),
  recursive: fc.boolean(),
});

function concrete(p: string, fx: Fixture): string {
  return p.replace('@OUT@', fx.outside).replace('@ROOT@', fx.root).replace('@BASE@', fx.base);
}

/** Runs one attack and checks it: a refusal of the two allowed codes, or a result with nothing from outside. */
async function attack(fx: Fixture, request: Record<string, unknown>): Promise<void> {
  const fs = toolsFor({ root: fx.root, maxFileBytes: 64 })['file-system-operation']!;
  const params = Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
  const outcome = await call(fs, params).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ('error' in outcome) {
    expect(outcome.error).toBeInstanceOf(NoError);
    expect(REFUSALS).toContain((outcome.error as NoError).code);
    return;
  }
  // `path` echoes the request, which may spell the marker; everything else comes from the disk.
  const { path: _echo, ...fromDisk } = outcome.result as Record<string, unknown>;
  expect(JSON.stringify(fromDisk)).not.toContain(MARKER);
  if (request.operation === 'stat') expect(fromDisk.size).not.toBe(SENTINEL_SIZE);
}

describe('file-system-operation under attack (property-based)', () => {
  it('traversal in every spelling: zero escapes, only typed refusals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 4 }), async (requests) => {
        const fx = await makeFixture();
        try {
          const before = await snapshotOutside(fx.base);
          for (const request of requests) {
            await attack(fx, { ...request, path: concrete(request.path, fx) });
            expect(await snapshotOutside(fx.base)).toEqual(before);
          }
          expect((await stat(fx.root)).isDirectory()).toBe(true);
        } finally {
          await fx.cleanup();
        }
      }),
      { numRuns: 150 },
    );
  }, 180_000); // 150 real file-system fixtures each: slow on a busy machine, never wrong

  it('symlinks planted anywhere, pointing anywhere: zero escapes', async () => {
    const targets = ['..', '../', '../outside', '../outside/sentinel.txt', '../..', '/', '@OUT@', '@OUT@/sentinel.txt', 'a', '.', 'link-out', '../root/../outside', 'missing', '@BASE@'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', 'a/', 'a/b/'),
        fc.constantFrom(...targets),
        fc.array(fc.constantFrom('', 'sentinel.txt', 'f.txt', 'new', 'b', `dir-${MARKER}`, 'inner.txt', 'x/y'), { maxLength: 2 }),
        fc.constantFrom(...OPERATIONS),
        async (where, target, suffix, operation) => {
          const fx = await makeFixture();
          try {
            await symlink(concrete(target, fx), path.join(fx.root, where, 'planted'));
            const before = await snapshotOutside(fx.base);
            const p = [where + 'planted', ...suffix].filter((s) => s !== '').join('/');
            await attack(fx, { operation, path: p, content: 'pwned' });
            expect(await snapshotOutside(fx.base)).toEqual(before);
          } finally {
            await fx.cleanup();
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 180_000); // 150 real file-system fixtures each: slow on a busy machine, never wrong

  it('a concurrent attacker swapping a directory for a symlink out (TOCTOU): zero escapes', async () => {
    const fx = await makeFixture();
    const a = path.join(fx.root, 'a');
    await mkdir(path.join(fx.outside, 'swap'));
    await writeFile(path.join(fx.outside, 'swap', 'f.txt'), MARKER);
    await symlink(path.join(fx.outside, 'swap'), path.join(fx.root, 'evil'));
    const before = await snapshotOutside(fx.base);
    // Swaps root/a between the real directory and a symlink to outside/swap, as fast as it can
    // (a directory our mkdir re-created meanwhile is moved aside, so the swapping never sticks).
    const script = `const fs=require('fs');const [a,evil,keep]=process.argv.slice(1);const end=Date.now()+4000;let n=0;
      const put=(from,to)=>{try{fs.renameSync(from,to)}catch{try{fs.renameSync(to,to+'-junk'+n++);fs.renameSync(from,to)}catch{}}};
      while(Date.now()<end){put(a,keep);put(evil,a);put(a,evil);put(keep,a);}`;
    const swapper = spawn(process.execPath, ['-e', script, '--', a, path.join(fx.root, 'evil'), path.join(fx.root, 'a-kept')], { stdio: 'ignore' });
    const done = new Promise((resolve) => swapper.on('close', resolve));
    try {
      const read = { operation: 'read', path: 'a/f.txt' };
      const requests = [
        read, read, read, read,
        { operation: 'write', path: 'a/f.txt', content: 'pwned' },
        { operation: 'append', path: 'a/f.txt', content: 'pwned' },
        { operation: 'write', path: 'a/new.txt', content: 'pwned' },
        { operation: 'delete', path: 'a/new.txt' },
        { operation: 'mkdir', path: 'a/dir/sub' },
        { operation: 'delete', path: 'a/dir', recursive: true },
        { operation: 'list', path: 'a' },
        { operation: 'stat', path: 'a/f.txt' },
      ];
      let rounds = 0;
      while (swapper.exitCode === null) {
        await Promise.all(requests.map((request) => attack(fx, request)));
        rounds += 1;
      }
      expect(rounds).toBeGreaterThan(5);
      expect(await snapshotOutside(fx.base)).toEqual(before);
    } finally {
      swapper.kill('SIGKILL');
      await done;
      await rm(fx.base, { recursive: true, force: true });
    }
  });
});
