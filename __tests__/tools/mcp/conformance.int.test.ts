/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, server mode) against
 * serveToolLayer's Streamable HTTP server. The suite needs Node 22 (fs.globSync). Node 22 and the
 * suite are installed on first use into a cache of their own, not as devDependencies: a `node`
 * package in the project's node_modules/.bin would make npm scripts (and jest) run on Node 22.
 *
 * Only the scenarios that apply to any server run here. The others call the reference test server's
 * own fixtures (test_simple_text, test_image_content, prompts, resources, logging, completion,
 * sampling, elicitation, test_reconnection...), which a tool layer does not and should not have.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serveToolLayer, type McpServerHandle } from '../../../src/tools/mcp/server';
import { REPO, testLayer } from './fixtures/layers';

jest.setTimeout(120_000);

const TOOLS = path.join(REPO, 'node_modules', '.cache', 'langgraph-no-conformance');
const NODE_22 = path.join(TOOLS, 'node_modules/node/bin/node');
const SUITE = path.join(TOOLS, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const PINNED = ['node@22.23.3', '@modelcontextprotocol/conformance@0.1.16'];

function ensureTools(): void {
  if (existsSync(NODE_22) && existsSync(SUITE)) return;
  mkdirSync(TOOLS, { recursive: true });
  writeFileSync(path.join(TOOLS, 'package.json'), JSON.stringify({ name: 'langgraph-no-conformance-tools', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', ...PINNED], { cwd: TOOLS, stdio: 'pipe', timeout: 170_000 });
}

/** The scenarios every MCP server must pass, whatever its tools. */
const GENERIC_SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection', 'server-sse-multiple-streams'] as const;

function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(NODE_22, [SUITE, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('MCP conformance suite (server scenarios) against serveToolLayer over HTTP', () => {
  let handle: McpServerHandle;
  let cwd: string;

  beforeAll(async () => {
    ensureTools();
    cwd = await mkdtemp(path.join(tmpdir(), 'no-conformance-')); // the suite writes results/ into its cwd
    handle = await serveToolLayer(testLayer(), { transport: 'http' });
  });
  afterAll(async () => {
    await handle?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('runs on Node 22', async () => {
    const version = await new Promise<string>((resolve, reject) =>
      execFile(NODE_22, ['--version'], (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))),
    );
    expect(version).toMatch(/^v(2[2-9]|[3-9]\d)\./);
  });

  it.each(GENERIC_SCENARIOS)('passes %s', async (scenario) => {
    const { code, output } = await run(['server', '--url', handle.url as string, '--scenario', scenario], cwd);
    const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(output);
    if (code !== 0 || summary === null || summary[3] !== '0') throw new Error(`conformance scenario ${scenario} failed (exit ${code}):\n${output}`);
    expect(Number(summary[1])).toBeGreaterThan(0);
    expect(summary[1]).toBe(summary[2]);
  });
});
