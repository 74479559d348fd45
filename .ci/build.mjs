// Builds src/ twice: CommonJS into dist/cjs and ES modules into dist/esm, each with type declarations
// and source maps (the package ships src/ too, so the maps resolve), so the package imports from both
// `require` and `import` (see "exports" in package.json).
//
// The output is compiled in memory and then synced: a file is written only when its content changed
// and files no longer produced are removed. So `npm pack` (prepack) on an up-to-date tree rewrites
// nothing in dist/, and a process running from dist/ never sees it half-built.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './source-files.mjs';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
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

const outputs = new Map();
let failed = false;
for (const build of builds) {
  const outDir = join(dist, build.dir);
  // The package.json marker must exist before compiling so Node16 resolution emits CommonJS for cjs.
  const marker = JSON.stringify({ type: build.type }) + '\n';
  outputs.set(join(outDir, 'package.json'), marker);
  if (!existsSync(join(outDir, 'package.json')) || readFileSync(join(outDir, 'package.json'), 'utf8') !== marker) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'package.json'), marker);
  }
  const program = ts.createProgram(files, { ...base, ...build.options, outDir });
  const result = program.emit(undefined, (file, text) => outputs.set(file, text));
  const diagnostics = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (diagnostics.length > 0) {
    failed = true;
    console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n',
    }));
  }
}
if (failed) process.exit(1);

let written = 0;
for (const [file, text] of outputs) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  written += 1;
}
let removed = 0;
const built = existsSync(dist) ? readdirSync(dist, { recursive: true }).map((f) => join(dist, f)) : [];
for (const file of built.filter((f) => statSync(f).isFile())) {
  if (outputs.has(file)) continue;
  rmSync(file);
  removed += 1;
}
console.log(`built ${files.length} files into dist/cjs and dist/esm (${written} written, ${removed} removed, ${outputs.size - written} unchanged)`);

