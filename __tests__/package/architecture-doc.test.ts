import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// docs/architecture.md is the maintainers' map; a map that names a file that moved, or leaves out a
// folder, sends them the wrong way. These checks keep it in step with src/.
const root = join(__dirname, '..', '..');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const page = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');

describe('docs/architecture.md', () => {
  it('describes every folder of src/', () => {
    const folders = readdirSync(join(root, 'src')).filter((name) => statSync(join(root, 'src', name)).isDirectory());
    expect(folders.filter((folder) => !page.includes(`src/${folder}/`))).toEqual([]);
  });

  it('names only files and folders that exist', () => {
    const paths = [...page.matchAll(/`((?:src|__tests__|\.ci)\/[\w./-]+)`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it('keeps LangGraph\'s private config keys in the one seam it names', () => {
    const seam = join(root, 'src', 'loop', 'langgraph-seam.ts');
    expect(page).toContain('`src/loop/langgraph-seam.ts`');
    const touching = filesUnder(join(root, 'src')).filter((file) => /__pregel_/.test(readFileSync(file, 'utf8')));
    expect(touching).toEqual([seam]);
  });

  it('states a dependency order that every import between folders follows', () => {
    const line = page.match(/^contracts\s+<-.*$/m)?.[0] ?? '';
    const rank = new Map(line.split('<-').flatMap((group, i) => group.split(',').map((f) => [f.trim(), i] as const)));
    const folders = readdirSync(join(root, 'src')).filter((name) => statSync(join(root, 'src', name)).isDirectory());
    expect(folders.filter((folder) => !rank.has(folder))).toEqual([]);
    const wrongWay: string[] = [];
    for (const folder of folders) {
      for (const file of filesUnder(join(root, 'src', folder))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/from '\.\.\/(?:\.\.\/)*([a-z0-9-]+)\//g)) {
          const to = m[1]!;
          if (rank.has(to) && to !== folder && rank.get(to)! >= rank.get(folder)!) wrongWay.push(`${folder} -> ${to}`);
        }
      }
    }
    expect([...new Set(wrongWay)]).toEqual([]);
  });
});
