/** `langgraph-no mcp --token-env / --token-file`: a bearer token for Streamable HTTP, never on the command line. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseMcpArgs, runCli, startMcp, USAGE, type McpCommand } from '../../../src/cli';

const token = 'cli-bearer-token-0123456789abcdef';
const http = ['--layer', 'primitive', '--http', '0'];

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'cli-auth-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseMcpArgs: the token flags', () => {
  it('reads the token from an environment variable or a file (one line, trimmed)', async () => {
    expect(parseMcpArgs([...http, '--token-env', 'MCP_TOKEN'], { MCP_TOKEN: token })).toMatchObject({ token });
    const file = path.join(dir, 'token');
    await writeFile(file, `${token}\n`);
    expect(parseMcpArgs([...http, '--token-file', file], {})).toMatchObject({ token });
    expect(parseMcpArgs(http, { MCP_TOKEN: token })).not.toHaveProperty('token');
  });

  it('requires one of them with a --bind beyond loopback, and says how to fix it', () => {
    expect(() => parseMcpArgs([...http, '--bind', '0.0.0.0'], {})).toThrow(/--bind 0\.0\.0\.0 serves the layer beyond this machine: pass --token-env VAR or --token-file PATH.*or --bind 127\.0\.0\.1/);
    expect(() => parseMcpArgs([...http, '--bind', '::'], {})).toThrow(/pass --token-env/);
    expect(parseMcpArgs([...http, '--bind', '::1'], {})).toMatchObject({ bind: '::1' });
    expect(parseMcpArgs([...http, '--bind', '0.0.0.0', '--token-env', 'T'], { T: token })).toMatchObject({ bind: '0.0.0.0', token });
  });

  it.each([
    [[...http, '--token-env', 'A', '--token-file', 'f'], { A: token }, 'contradict each other'],
    [[...http, '--token-env', 'MISSING'], {}, 'the environment variable MISSING is not set'],
    [[...http, '--token-env', 'SHORT'], { SHORT: 'short-secret' }, 'at least 16 characters'],
    [[...http, '--token-env', 'SPACED'], { SPACED: `${token} ${token}` }, 'without spaces'],
    [[...http, '--token-file', '/definitely/not/here'], {}, "--token-file '/definitely/not/here' cannot be read (ENOENT)"],
    [['--layer', 'primitive', '--token-env', 'A'], { A: token }, '--token-env applies to --http only'],
  ])('refuses %j', (args, env, message) => {
    let thrown: unknown;
    try {
      parseMcpArgs(args, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'UsageError', message: expect.stringContaining(message) });
    // A usage error is printed: it names the variable or file, never what it holds.
    for (const value of Object.values(env)) expect((thrown as Error).message).not.toContain(value);
  });

  it('documents both flags, and why the token itself is no flag', () => {
    expect(USAGE).toMatch(/--token-env VAR\s/);
    expect(USAGE).toMatch(/--token-file PATH\s/);
    expect(USAGE).toMatch(/There is no\s+flag for the token itself: a command line is visible to every local user \(ps\)/);
    expect(() => parseMcpArgs([...http, '--token', token], {})).toThrow(/Unknown option '--token'/);
  });
});

describe('the mcp command with a token', () => {
  it('serves only clients that send it, and never prints it', async () => {
    const err = sink();
    const previous = process.env['CLI_AUTH_TEST_TOKEN'];
    process.env['CLI_AUTH_TEST_TOKEN'] = token;
    const running = runCli(['mcp', ...http, '--token-env', 'CLI_AUTH_TEST_TOKEN'], { stderr: err.stream });
    for (let i = 0; i < 200 && !err.text().includes('serving'); i++) await new Promise((r) => setTimeout(r, 10));
    const url = /over (\S+)/.exec(err.text())?.[1] as string;
    try {
      const anonymous = new Client({ name: 'anon', version: '1' });
      await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toMatchObject({ code: 401 });
      const client = new Client({ name: 'cli-auth', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    } finally {
      process.emit('SIGTERM');
      expect(await running).toBe(0);
      if (previous === undefined) delete process.env['CLI_AUTH_TEST_TOKEN'];
      else process.env['CLI_AUTH_TEST_TOKEN'] = previous;
    }
    expect(err.text()).not.toContain(token);
  });

  it('exits 2 on a bad token without printing it', async () => {
    const file = path.join(dir, 'short');
    await writeFile(file, 'short-secret\n');
    const err = sink();
    expect(await runCli(['mcp', ...http, '--token-file', file], { stderr: err.stream })).toBe(2);
    expect(err.text()).toContain(`the file '${file}' must hold one token of at least 16 characters`);
    expect(err.text()).not.toContain('short-secret');
  });

  it('hands the token to the server (startMcp)', async () => {
    const command: McpCommand = { level: 'primitive', commands: [], hosts: [], http: 0, bind: '127.0.0.1', allowedHosts: [], allow: [], token };
    const handle = await startMcp(command);
    try {
      const res = await fetch(handle.url as string, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
      expect(res.status).toBe(401);
    } finally {
      await handle.close();
    }
  });
});
