import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const node = (args: string[]): string => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });

/** Packages a fresh process has loaded after requiring `specifier`, by name. */
function loadedPackages(specifier: string): string[] {
  const out = node([
    '-e',
    `require(${JSON.stringify(specifier)});
     const names = new Set(Object.keys(require.cache).map((f) => (f.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/) ?? [])[1]).filter(Boolean));
     console.log(JSON.stringify([...names].sort()));`,
  ]);
  return JSON.parse(out) as string[];
}

const SERVER_STACK = ['@modelcontextprotocol/sdk', '@a2a-js/sdk', 'express', 'ajv', 'hono', '@hono/node-server', 'jose'];
// The package records through @opentelemetry/api only; an SDK is the application's choice.
const OTEL_SDK = ['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-prometheus', '@opentelemetry/sdk-trace-base', '@opentelemetry/resources', '@opentelemetry/core'];
const QUEUE_STACK = ['bullmq', 'ioredis', 'pg'];

describe('the built package', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, '.ci', 'build.mjs')], { cwd: root, stdio: 'pipe' });
  }, 120_000);

  const probe = `
    const s = m.createIntelligenceScheduler();
    const plan = s.planExecution({ tasks: [{ id: 'a', estimatedDurationMs: 1 }, { id: 'b', dependsOn: ['a'] }] });
    console.log(JSON.stringify({ order: plan.order, loop: typeof m.createMasterAgentLoop, err: typeof m.NoError }));`;

  it('loads with require() through the exports map', () => {
    const out = node(['-e', `const m = require('langgraph-no'); ${probe}`]);
    expect(JSON.parse(out)).toEqual({ order: ['a', 'b'], loop: 'function', err: 'function' });
  });

  it('loads with import through the exports map', () => {
    const out = node(['--input-type=module', '-e', `import * as m from 'langgraph-no'; ${probe}`]);
    expect(JSON.parse(out)).toEqual({ order: ['a', 'b'], loop: 'function', err: 'function' });
  });

  it('loads no MCP, A2A, HTTP server, job queue or OpenTelemetry SDK code from the root entry', () => {
    const loaded = loadedPackages('langgraph-no');
    expect(loaded.filter((name) => SERVER_STACK.includes(name) || QUEUE_STACK.includes(name) || OTEL_SDK.includes(name))).toEqual([]);
    // What it does load: LangGraph (the user's copy), zod and the OpenTelemetry API.
    expect(loaded).toEqual(expect.arrayContaining(['@langchain/langgraph', '@langchain/core', 'zod', '@opentelemetry/api']));
  });

  it('serves MCP from langgraph-no/mcp and A2A from langgraph-no/a2a', () => {
    const mcp = node(['-e', `const m = require('langgraph-no/mcp'); console.log(typeof m.serveToolLayer, typeof m.mountMcpServer, typeof m.createOrchestrationMcpServer)`]);
    expect(mcp.trim()).toBe('function function function');
    expect(loadedPackages('langgraph-no/mcp')).toContain('@modelcontextprotocol/sdk');
    const a2a = node(['--input-type=module', '-e', `import { serveAgentOverA2A, createA2AAgent } from 'langgraph-no/a2a'; console.log(typeof serveAgentOverA2A, typeof createA2AAgent)`]);
    expect(a2a.trim()).toBe('function function');
  });

  it('serves Prometheus from langgraph-no/observe, loading the OpenTelemetry SDK only when asked', () => {
    expect(loadedPackages('langgraph-no/observe').filter((name) => OTEL_SDK.includes(name))).toEqual([]);
    const scrape = `.then(async (m) => { const p = await m.createPrometheusMetrics(); const s = await m.serveObservability({ metrics: p, port: 0 });
      const text = await (await fetch(s.url + '/metrics')).text(); await s.close(); await p.shutdown();
      console.log(JSON.stringify({ target: text.includes('target_info'), register: typeof m.createPrometheusMetrics })); })`;
    for (const load of [`Promise.resolve(require('langgraph-no/observe'))`, `import('langgraph-no/observe')`]) {
      expect(JSON.parse(node(['-e', `${load}${scrape}`]))).toEqual({ target: true, register: 'function' });
    }
  });

  it('serves the workers from langgraph-no/workers, which loads BullMQ and ioredis only once a queue or worker starts', () => {
    const cjs = node(['-e', `const m = require('langgraph-no/workers'); console.log(typeof m.jobQueue, typeof m.createWorker, typeof m.postgresLeadership)`]);
    expect(cjs.trim()).toBe('function function function');
    const esm = node(['--input-type=module', '-e', `import { jobQueue, createWorker } from 'langgraph-no/workers'; console.log(typeof jobQueue, typeof createWorker)`]);
    expect(esm.trim()).toBe('function function');
    expect(loadedPackages('langgraph-no/workers').filter((name) => QUEUE_STACK.includes(name))).toEqual([]);
  });

  it('starts a BullMQ queue from the ES module build, which has no require', () => {
    const out = node(['--input-type=module', '-e', `
      import { jobQueue } from 'langgraph-no/workers';
      const queue = jobQueue({ prefix: 'no-esm-probe-' + process.pid });
      await queue.ready();
      await queue.close();
      console.log('ok');`]);
    expect(out.trim()).toBe('ok');
  });

  it('ships type declarations for every entry and condition', () => {
    const pkg = require(join(root, 'package.json')) as { exports: Record<string, string | Record<string, { types: string; default: string }>> };
    for (const [entry, conditions] of Object.entries(pkg.exports)) {
      if (typeof conditions === 'string') continue;
      for (const condition of ['import', 'require'] as const) {
        expect([entry, existsSync(join(root, conditions[condition]!.types))]).toEqual([entry, true]);
        expect([entry, existsSync(join(root, conditions[condition]!.default))]).toEqual([entry, true]);
      }
    }
  });

  it('builds idempotently: a second build rewrites nothing in dist/', () => {
    const out = execFileSync(process.execPath, [join(root, '.ci', 'build.mjs')], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/\(0 written, 0 removed, \d+ unchanged\)/);
  });
});

/**
 * A user's project: the packed tarball installed beside the lowest LangGraph and LangChain core the
 * peer ranges allow, compiled with `strict` and `skipLibCheck: false`, then run from CommonJS and ESM.
 */
describe('a consumer project', () => {
  const work = mkdtempSync(join(tmpdir(), 'langgraph-no-consumer-'));
  const pkg = require(join(root, 'package.json')) as { peerDependencies: Record<string, string> };
  const lowest = (name: string): string => `${name}@${pkg.peerDependencies[name]!.replace(/^\^/, '')}`;
  const sh = (command: string, args: string[]): string =>
    execFileSync(command, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  const program = `
import { MemorySaver } from '@langchain/langgraph';
import { createMasterAgentLoop, isNoError, type AgentDefinition } from 'langgraph-no';
// The observe entry's declarations must not need its optional peers (the OpenTelemetry SDK).
import { serveDashboard, type NoDashboardMetrics } from 'langgraph-no/observe';

const upper: AgentDefinition = {
  id: 'upper',
  capabilities: ['text'],
  run: async (input: unknown) => String((input as { text?: string } | undefined)?.text ?? 'dep').toUpperCase(),
};
async function main(): Promise<void> {
  const loop = createMasterAgentLoop({ agents: [upper], checkpointer: new MemorySaver() });
  const dashboard = await serveDashboard({ loops: { main: loop }, port: 0 });
  const out = await loop.invoke(
    { request: { tasks: [{ id: 'a', capability: 'text', input: { text: 'hi' } }, { id: 'b', capability: 'text', dependsOn: ['a'] }] } },
    { configurable: { thread_id: 'consumer' } },
  );
  try {
    createMasterAgentLoop({ agents: [] });
  } catch (error) {
    if (!isNoError(error)) throw error;
  }
  const metrics = (await (await fetch(dashboard.url + '/api/metrics')).json()) as NoDashboardMetrics;
  await dashboard.close();
  console.log(JSON.stringify({ status: out.status, a: out.results['a'], runs: metrics.scheduler.runsFinished }));
}
void main();
`;

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs with the lowest peers, compiles under strict + skipLibCheck false, and runs from CJS and ESM', () => {
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim();
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    sh('npm', ['install', '--no-audit', '--no-fund', '--silent', join(work, tarball), lowest('@langchain/langgraph'), lowest('@langchain/core'), 'typescript@~5.9.3', '@types/node@20']);
    const tsc = join(work, 'node_modules', '.bin', 'tsc');
    const compile = (kind: 'cjs' | 'esm'): string[] => {
      const dir = join(work, kind);
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: kind === 'esm' ? 'module' : 'commonjs' }));
      writeFileSync(join(dir, 'main.ts'), program);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { strict: true, skipLibCheck: false, module: 'node16', moduleResolution: 'node16', target: 'es2022', outDir: 'out', types: ['node'] },
        files: ['main.ts'],
      }));
      try {
        execFileSync(tsc, ['-p', dir], { encoding: 'utf8' });
        return [];
      } catch (error) {
        return String((error as { stdout?: string }).stdout).split('\n').filter((line) => /error TS/.test(line));
      }
    };
    expect(compile('esm')).toEqual([]);
    // @langchain/core's own CommonJS declarations import the ESM-only js-tiktoken types, which fails
    // under skipLibCheck: false for any CommonJS project; nothing else may (none of ours).
    expect(compile('cjs').filter((line) => !line.includes('node_modules/@langchain/core/'))).toEqual([]);
    for (const kind of ['cjs', 'esm']) {
      expect(JSON.parse(sh(process.execPath, [join(work, kind, 'out', 'main.js')]))).toEqual({ status: 'completed', a: 'HI', runs: 1 });
    }
  }, 300_000);
});
