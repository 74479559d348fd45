// Builds src/ twice: CommonJS into dist/cjs and ES modules into dist/esm, each with type declarations,
// so the package imports from both `require` and `import` (see "exports" in package.json).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './source-files.mjs';

const root = new URL('..', import.meta.url).pathname;
const files = sourceFiles(join(root, 'src'));

const base = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  declaration: true,
  sourceMap: true,
  esModuleInterop: true,
  skipLibCheck: true,
  rootDir: join(root, 'src'),
  types: ['node'],
};
const builds = [
  { dir: 'cjs', type: 'commonjs', options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 } },
  { dir: 'esm', type: 'module', options: { module: ts.ModuleKind.ES2022, moduleResolution: ts.ModuleResolutionKind.Bundler } },
];

rmSync(join(root, 'dist'), { recursive: true, force: true });
let failed = false;
for (const build of builds) {
  const outDir = join(root, 'dist', build.dir);
  mkdirSync(outDir, { recursive: true });
  // The package.json marker must exist before compiling so Node16 resolution emits CommonJS for cjs.
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: build.type }) + '\n');
  const program = ts.createProgram(files, { ...base, ...build.options, outDir });
  const result = program.emit();
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (diagnostics.length > 0) {
    failed = true;
    console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n',
    }));
  }
}
if (failed) process.exit(1);
console.log(`built ${files.length} files into dist/cjs and dist/esm`);
