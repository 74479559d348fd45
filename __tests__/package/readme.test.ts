/**
 * Every TypeScript block of the README compiles against the package (strict, as an ES module with bundler resolution, the
 * way a user pastes it into a file). A block that is deliberately partial says so on the line
 * before it with `<!-- partial -->` and is left out.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function blocks(): { line: number; code: string }[] {
  const found: { line: number; code: string }[] = [];
  const fence = /(<!-- partial -->\s*\n)?```ts\n([\s\S]*?)```/g;
  for (const match of readme.matchAll(fence)) {
    if (match[1]) continue;
    found.push({ line: readme.slice(0, match.index).split('\n').length + 1, code: match[2]! });
  }
  return found;
}

describe('the README', () => {
  it('has TypeScript blocks, and every one of them compiles under strict', () => {
    const dir = join(root, '.tmp', 'readme-blocks');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const all = blocks();
    expect(all.length).toBeGreaterThanOrEqual(6);
    const files = all.map(({ line, code }) => {
      const file = join(dir, `line-${line}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noUncheckedIndexedAccess: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: root,
      paths: {
        'langgraph-no': ['src/index.ts'],
        'langgraph-no/mcp': ['src/mcp.ts'],
        'langgraph-no/a2a': ['src/a2a/index.ts'],
        'langgraph-no/workers': ['src/distribution/index.ts'],
        'langgraph-no/observe': ['src/observe/index.ts'],
      },
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && files.includes(d.file.fileName))
      .map((d) => `${d.file!.fileName.replace(/.*line-(\d+)\.ts$/, 'README.md block at line $1')}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    expect(problems).toEqual([]);
  }, 120_000);
});
