import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// docs/architecture.md is the maintainers' map; a map that names a file that moved, or leaves out a
// folder, sends them the wrong way. These checks keep it in step with src/.
const root = join(__dirname, '..', '..');
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

  it('names every folder in the dependency order that the cycle check enforces', () => {
    const order = page.match(/contracts\s+<-.*$/m)?.[0] ?? '';
    const folders = readdirSync(join(root, 'src')).filter((name) => statSync(join(root, 'src', name)).isDirectory());
    expect(folders.filter((folder) => !order.includes(folder))).toEqual([]);
  });
});
