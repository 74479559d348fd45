import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('the built package', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, '.ci', 'build.mjs')], { cwd: root, stdio: 'pipe' });
  }, 120_000);

  const probe = `
    const s = m.createIntelligenceScheduler();
    const plan = s.planExecution({ tasks: [{ id: 'a', estimatedDurationMs: 1 }, { id: 'b', dependsOn: ['a'] }] });
    console.log(JSON.stringify({ order: plan.order, name: m.PACKAGE_NAME, err: typeof m.NoError }));`;

  it('loads with require() through the exports map', () => {
    const out = node(['-e', `const m = require('langgraph-no'); ${probe}`]);
    expect(JSON.parse(out)).toEqual({ order: ['a', 'b'], name: 'langgraph-no', err: 'function' });
  });

  it('loads with import through the exports map', () => {
    const out = node(['--input-type=module', '-e', `import * as m from 'langgraph-no'; ${probe}`]);
    expect(JSON.parse(out)).toEqual({ order: ['a', 'b'], name: 'langgraph-no', err: 'function' });
  });

  it('ships type declarations for both', () => {
    const pkg = require(join(root, 'package.json')) as { exports: Record<string, Record<string, { types: string }>> };
    for (const condition of ['import', 'require'] as const) {
      const types = pkg.exports['.']![condition]!.types;
      expect(() => execFileSync('test', ['-f', join(root, types)])).not.toThrow();
    }
  });
});
