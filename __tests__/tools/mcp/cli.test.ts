import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseMcpArgs, runCli, startMcp, USAGE, type McpCommand } from '../../../src/cli';
import { sandbox, textJson } from './fixtures/layers';
import { waitForStandaloneStream } from './fixtures/wire';

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function httpClient(url: string) {
  const client = new Client({ name: 'cli-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

describe('parseMcpArgs', () => {
  let box: Awaited<ReturnType<typeof sandbox>>;
  beforeAll(async () => (box = await sandbox()));
  afterAll(() => box.cleanup());

  it('parses a full execution command line', () => {
    const command = parseMcpArgs(['--layer', 'execution', '--root', box.root, '--commands', 'git,ls', '--commands', 'cat', '--hosts', 'example.com', '--http', '8080', '--bind', '0.0.0.0', '--token-env', 'MCP_TOKEN', '--allowed-host', 'box.local', '--allow', 'mcp-http,ops', '--caller', 'me', '--rate-limit', '5/0.5'], { MCP_TOKEN: 'cli-token-0123456789abcdef' });
    expect(command).toEqual({
      level: 'execution', root: box.root, commands: ['git', 'ls', 'cat'], hosts: ['example.com'], http: 8080, bind: '0.0.0.0', token: 'cli-token-0123456789abcdef',
      allowedHosts: ['box.local'], allow: ['mcp-http', 'ops'], caller: 'me', rateLimit: { capacity: 5, refillPerSecond: 0.5 },
    });
    expect(parseMcpArgs(['--layer', 'primitive', '--rate-limit', '3'])).toMatchObject({ level: 'primitive', bind: '127.0.0.1', rateLimit: { capacity: 3, refillPerSecond: 10 } });
    expect(parseMcpArgs(['-h'])).toBe('help');
  });

  it('parses the HTTP session limits', () => {
    const command = parseMcpArgs(['--layer', 'primitive', '--http', '0', '--max-sessions', '50', '--max-sessions-per-client', '4', '--session-idle-timeout', '90', '--trust-proxy']);
    expect(command).toMatchObject({ http: 0, maxSessions: 50, maxSessionsPerClient: 4, sessionIdleTimeoutMs: 90_000, trustProxy: true });
    expect(parseMcpArgs(['--layer', 'primitive', '--http', '0', '--session-idle-timeout', '0.5'])).toMatchObject({ sessionIdleTimeoutMs: 500 });
    expect(parseMcpArgs(['--layer', 'primitive', '--http', '0'])).not.toHaveProperty('maxSessionsPerClient');
  });

  it('documents every HTTP session flag with its default in --help', () => {
    expect(USAGE).toMatch(/--max-sessions N\s.*\(default: 100\)/);
    expect(USAGE).toMatch(/--max-sessions-per-client N\s[\s\S]*?\(default: 10\)/);
    expect(USAGE).toMatch(/--session-idle-timeout S\s[\s\S]*?\(default: 600\)/);
    expect(USAGE).toContain('--trust-proxy');
  });

  it('takes the sandbox of the execution layer: bubblewrap by default, a bwrap path, or an explicit none', () => {
    const execution = ['--layer', 'execution', '--root', box.root];
    expect(parseMcpArgs(execution)).not.toHaveProperty('sandbox');
    expect(parseMcpArgs([...execution, '--sandbox', 'bubblewrap'])).not.toHaveProperty('sandbox');
    expect(parseMcpArgs([...execution, '--sandbox', 'none'])).toMatchObject({ sandbox: 'none' });
    expect(parseMcpArgs([...execution, '--bwrap', 'tools/bwrap'])).toMatchObject({ bwrap: `${process.cwd()}/tools/bwrap` });
  });

  it.each([
    [[], '--layer is required'],
    [['--layer', 'kitchen'], "--layer must be one of primitive, execution, dashboard, orchestration, got 'kitchen'"],
    [['--layer', 'execution'], '--layer execution needs --root DIR'],
    [['--layer', 'execution', '--root', '/definitely/not/here'], 'is not a directory'],
    [['--layer', 'primitive', '--commands', 'ls'], 'apply to --layer execution only'],
    [['--layer', 'primitive', '--sandbox', 'none'], 'apply to --layer execution only'],
    [['--layer', 'primitive', '--bwrap', '/usr/bin/bwrap'], 'apply to --layer execution only'],
    [['--layer', 'execution', '--root', '.', '--sandbox', 'docker'], "--sandbox must be none or bubblewrap, got 'docker'"],
    [['--layer', 'execution', '--root', '.', '--sandbox', 'none', '--bwrap', '/usr/bin/bwrap'], 'contradict'],
    [['--layer', 'primitive', '--http', '99999'], '--http needs a port 0-65535'],
    [['--layer', 'primitive', '--http', 'eighty'], '--http needs a port'],
    [['--layer', 'primitive', '--bind', '0.0.0.0'], '--bind applies to --http only'],
    [['--layer', 'primitive', '--bind', '0.0.0.0', '--allowed-host', 'a'], '--bind and --allowed-host apply to --http only'],
    [['--layer', 'primitive', '--max-sessions-per-client', '3'], '--max-sessions-per-client applies to --http only'],
    [['--layer', 'primitive', '--trust-proxy'], '--trust-proxy applies to --http only'],
    [['--layer', 'primitive', '--shutdown-grace', '5'], '--shutdown-grace applies to --http only'],
    [['--layer', 'primitive', '--http', '0', '--shutdown-grace', 'never'], '--shutdown-grace needs a positive number'],
    [['--layer', 'primitive', '--http', '0', '--max-sessions', '0'], '--max-sessions needs a positive integer'],
    [['--layer', 'primitive', '--http', '0', '--max-sessions-per-client', '2.5'], '--max-sessions-per-client needs a positive integer'],
    [['--layer', 'primitive', '--http', '0', '--session-idle-timeout', 'soon'], '--session-idle-timeout needs a positive number'],
    [['--layer', 'primitive', '--caller', ' '], '--caller needs a non-empty id'],
    [['--layer', 'primitive', '--rate-limit', '0'], '--rate-limit needs a positive integer'],
    [['--layer', 'primitive', '--rate-limit', '2/x'], '--rate-limit needs a positive number'],
    [['--layer', 'primitive', '--rate-limit', '1.5'], 'positive integer'],
    [['--layer', 'primitive', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['--layer', 'primitive', 'extra'], 'positional'],
  ])('refuses %j', (args, message) => {
    expect(() => parseMcpArgs(args as string[])).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringContaining(message) }));
  });
});

describe('runCli', () => {
  it('exits 2 with the usage on stderr for a bad command line', async () => {
    for (const argv of [[], ['serve'], ['mcp', '--layer']]) {
      const err = sink();
      expect(await runCli(argv, { stderr: err.stream })).toBe(2);
      expect(err.text()).toContain('Usage: langgraph-no mcp');
    }
  });

  it('prints the usage on stdout and exits 0 for --help', async () => {
    for (const argv of [['--help'], ['mcp', '--help']]) {
      const out = sink();
      expect(await runCli(argv, { stdout: out.stream })).toBe(0);
      expect(out.text()).toBe(USAGE);
    }
  });

  it('serves until SIGTERM and exits 0; exits 1 when it cannot start', async () => {
    const err = sink();
    const running = runCli(['mcp', '--layer', 'primitive', '--http', '0'], { stderr: err.stream });
    for (let i = 0; i < 200 && !err.text().includes('serving'); i++) await new Promise((r) => setTimeout(r, 10));
    const url = /over (\S+)/.exec(err.text())?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const busy = sink();
    expect(await runCli(['mcp', '--layer', 'primitive', '--http', new URL(url).port], { stderr: busy.stream })).toBe(1);
    expect(busy.text()).toContain('EADDRINUSE');
    process.emit('SIGTERM');
    expect(await running).toBe(0);
  });
});

describe('startMcp', () => {
  const base: Omit<McpCommand, 'level'> = { commands: [], hosts: [], bind: '127.0.0.1', allowedHosts: [], allow: [], http: 0 };

  it('denies the execution layer to the HTTP client until --allow names its caller', async () => {
    const box = await sandbox();
    try {
      const read = { name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } };
      const closed = await startMcp({ ...base, level: 'execution', root: box.root });
      const c1 = await httpClient(closed.url as string);
      expect(textJson(await c1.callTool(read))).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining("'mcp-http'") });
      await c1.close();
      await closed.close();

      const open = await startMcp({ ...base, level: 'execution', root: box.root, allow: ['ops'], caller: 'ops', allowedHosts: ['box.local'], rateLimit: { capacity: 1, refillPerSecond: 0.01 } });
      const c2 = await httpClient(open.url as string);
      expect(JSON.stringify(textJson(await c2.callTool(read)))).toContain('hello from the sandbox');
      expect(textJson(await c2.callTool(read))).toMatchObject({ code: 'RATE_LIMITED' });
      await c2.close();
      await open.close();
    } finally {
      await box.cleanup();
    }
  });

  it('refuses commands when --bwrap names no working bubblewrap, and runs them unconfined only with --sandbox none', async () => {
    const box = await sandbox();
    try {
      const ls = { name: 'process-execution', arguments: { command: 'ls' } };
      const common = { ...base, level: 'execution' as const, root: box.root, commands: ['ls'], allow: ['mcp-http'] };
      const missing = await startMcp({ ...common, bwrap: '/nonexistent/bwrap' });
      const c1 = await httpClient(missing.url as string);
      expect(textJson(await c1.callTool(ls))).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('apt-get install bubblewrap') });
      await c1.close();
      await missing.close();
      const bare = await startMcp({ ...common, sandbox: 'none' });
      const c2 = await httpClient(bare.url as string);
      expect(textJson(await c2.callTool(ls))).toMatchObject({ exitCode: 0, stdout: 'hello.txt\n' });
      await c2.close();
      await bare.close();
    } finally {
      await box.cleanup();
    }
  });

  it('serves the orchestration tools and the dashboard layer', async () => {
    const orchestration = await startMcp({ ...base, level: 'orchestration' });
    const client = await httpClient(orchestration.url as string);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['orchestration.workflow.execute', 'orchestration.task.manage', 'orchestration.process.monitor']);
    await client.close();
    await orchestration.close();
    const dashboard = await startMcp({ ...base, level: 'dashboard' });
    const d = await httpClient(dashboard.url as string);
    expect((await d.listTools()).tools.length).toBeGreaterThan(0);
    await d.close();
    await dashboard.close();
  });

  it('applies the session limits: a client whose sessions are all busy is refused', async () => {
    const handle = await startMcp({ ...base, level: 'primitive', maxSessionsPerClient: 1, maxSessions: 5, sessionIdleTimeoutMs: 60_000, trustProxy: false });
    const url = handle.url as string;
    const first = new Client({ name: 'first', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await first.connect(transport);
    await waitForStandaloneStream(url, transport.sessionId as string);
    const second = new Client({ name: 'second', version: '1' });
    await expect(second.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow(/all busy/);
    await first.close();
    await handle.close();
  });

  it('serves stdio on the given streams', async () => {
    const stdin = new PassThrough();
    const handle = await startMcp({ ...base, http: undefined, level: 'primitive' } as McpCommand, { stdin, stdout: new PassThrough() });
    expect(handle.url).toBeUndefined();
    stdin.end();
    await handle.closed;
  });
});
