/** `langgraph-no mcp --http ... --shutdown-grace S` as a child process, stopped by SIGTERM in the middle of a call. */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { rawConnection, rawPost } from '../../helpers/raw-http';
import { CLI, REPO, sandbox } from './fixtures/layers';

jest.setTimeout(60_000);

function spawnHttp(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(CLI.command, [...CLI.args, 'mcp', ...args, '--http', '0'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const url = /over (http:\S+)/.exec(err)?.[1];
      if (url) resolve({ child, url, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`bin exited ${code}: ${err}`)));
  });
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** Starts `sleep 1` through process-execution on a raw connection and sends SIGTERM while it runs. */
async function sigtermDuringCall(extra: string[]): Promise<{ response: string; code: number | null; stderr: string }> {
  const box = await sandbox();
  try {
    const { child, url, stderr } = await spawnHttp(['--layer', 'execution', '--root', box.root, '--commands', 'sleep', '--sandbox', 'none', '--allow', 'mcp-http', ...extra]);
    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client({ name: 'shutdown-test', version: '1.0.0' });
    await client.connect(transport);
    const target = new URL(url);
    const call = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'process-execution', arguments: { command: 'sleep', args: ['1'] } } };
    const connection = rawConnection(Number(target.port), rawPost(target.pathname, call, { accept: 'application/json, text/event-stream', 'mcp-session-id': transport.sessionId as string }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    const [response, code] = await Promise.all([connection.received, exitOf(child)]);
    return { response, code, stderr: stderr() };
  } finally {
    await box.cleanup();
  }
}

describe('langgraph-no mcp --shutdown-grace (spawned bin)', () => {
  it('lets a call in flight finish after SIGTERM, then exits 0', async () => {
    const { response, code, stderr } = await sigtermDuringCall(['--shutdown-grace', '10']);
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM: refusing new requests, letting those in flight finish for up to 10 s');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*"result"[\s\S]*"id":5/);
    expect(response).not.toMatch(/"isError":true/);
  });

  it('without the flag, cuts the call at once on SIGTERM and exits 0, as before', async () => {
    const { response, code } = await sigtermDuringCall([]);
    expect(code).toBe(0);
    expect(response).not.toMatch(/"result"/);
  });
});
