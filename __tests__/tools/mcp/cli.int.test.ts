/**
 * The bin as a child process (`node --import tsx src/cli.ts`, so no build is needed), driven by the
 * real MCP SDK client over stdio and over Streamable HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { buildToolLayer } from '../../../src/tools/layer';
import { mountMcpServer } from '../../../src/tools/mcp/mount';
import { CLI, REPO, sandbox, textJson } from './fixtures/layers';

jest.setTimeout(60_000);

async function stdioClient(args: string[]) {
  const transport = new StdioClientTransport({ command: CLI.command, args: [...CLI.args, 'mcp', ...args], cwd: REPO, stderr: 'pipe' });
  const client = new Client({ name: 'int-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Spawns the bin with --http 0 and resolves with the URL it prints on stderr. */
function spawnHttp(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(CLI.command, [...CLI.args, 'mcp', ...args, '--http', '0'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const url = /over (http:\S+)/.exec(err)?.[1];
      if (url) resolve({ child, url });
    });
    child.once('exit', (code) => reject(new Error(`bin exited ${code}: ${err}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('langgraph-no mcp over stdio (spawned bin)', () => {
  let box: Awaited<ReturnType<typeof sandbox>>;
  beforeAll(async () => (box = await sandbox()));
  afterAll(() => box.cleanup());

  it('initializes, lists the execution tools with schemas, and denies them without --allow', async () => {
    const client = await stdioClient(['--layer', 'execution', '--root', box.root]);
    expect(client.getServerVersion()?.name).toBe('langgraph-no-execution');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['aggregate-results', 'file-system-operation', 'network-fetch', 'process-execution', 'tool-chain']);
    for (const tool of tools) expect(tool.inputSchema.type).toBe('object');
    const denied = await client.callTool({ name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } });
    expect(denied.isError).toBe(true);
    expect(textJson(denied)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining("'mcp-stdio'") });
    await client.close();
  });

  it('runs tools for the allowed stdio caller, refuses invalid input and rate-limits', async () => {
    const client = await stdioClient(['--layer', 'execution', '--root', box.root, '--commands', 'ls', '--allow', 'mcp-stdio', '--rate-limit', '2/0.01']);
    const read = await client.callTool({ name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } });
    expect(read.isError).toBeUndefined();
    expect(JSON.stringify(textJson(read))).toContain('hello from the sandbox');
    const invalid = await client.callTool({ name: 'file-system-operation', arguments: { operation: 'obliterate' } });
    expect(invalid.isError).toBe(true);
    expect(textJson(invalid)).toMatchObject({ code: 'INVALID_INPUT' });
    const limited = await client.callTool({ name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } });
    expect(textJson(limited)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    const escape = await client.callTool({ name: 'process-execution', arguments: { command: 'cat', args: ['/etc/passwd'] } });
    expect(escape.isError).toBe(true);
    expect(textJson(escape)).toMatchObject({ code: 'PERMISSION_DENIED' }); // cat is not in --commands
    const ls = await client.callTool({ name: 'process-execution', arguments: { command: 'ls' } });
    expect(JSON.stringify(textJson(ls))).toContain('hello.txt');
    await client.close();
  });

  it('exits 2 with a usage error for bad flags', async () => {
    const child = spawn(CLI.command, [...CLI.args, 'mcp', '--layer', 'execution'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    expect(await exitOf(child)).toBe(2);
    expect(err).toContain('--layer execution needs --root DIR');
  });

  it('can be mounted into another layer by command', async () => {
    const layer = buildToolLayer('primitive', [], { rateLimit: false });
    const mounted = await mountMcpServer(layer, { command: CLI.command, args: [...CLI.args, 'mcp', '--layer', 'primitive'], cwd: REPO }, { prefix: 'child', capability: 'compute' });
    expect(mounted.tools).toContain('child.hash');
    expect(await layer.invoke('child.hash', { text: 'abc' })).toMatchObject({
      ok: true,
      data: { digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', algorithm: 'sha256' },
    });
    expect(await layer.invoke('child.hash', { text: 5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await mounted.close();
  });
});

describe('langgraph-no mcp --layer execution: commands stay in the root (spawned bin)', () => {
  const SECRET = 'SECRET-5d1e-OUTSIDE-THE-ROOT';
  let base: string;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'no-mcp-attack-')));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(path.join(root, 'hello.txt'), 'hello from the sandbox');
    await writeFile(path.join(outside, 'secret.txt'), SECRET);
    await writeFile(path.join(base, 'secret.txt'), SECRET);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('reads, lists and writes nothing outside --root, whatever the arguments', async () => {
    const client = await stdioClient(['--layer', 'execution', '--root', root, '--commands', 'cat,ls,head,git,cp,tar', '--allow', 'mcp-stdio']);
    try {
      const run = async (command: string, ...args: string[]) => textJson(await client.callTool({ name: 'process-execution', arguments: { command, args } }));
      const reads: string[][] = [
        ['cat', `${outside}/secret.txt`],
        ['cat', '../secret.txt'],
        ['head', '-c', '100', '/etc/passwd'],
        ['git', '-C', outside, 'status'],
        ['git', 'diff', '--no-index', '/dev/null', `${outside}/secret.txt`],
        ['tar', '-cf', '-', `${outside}/secret.txt`],
        ['cat', `/proc/1/root${outside}/secret.txt`],
        ['cp', `${outside}/secret.txt`, 'copied.txt'],
      ];
      for (const [command, ...args] of reads) {
        const result = await run(command as string, ...args);
        expect(result).toMatchObject({ exitCode: expect.any(Number) });
        expect(result.exitCode).not.toBe(0);
        expect(JSON.stringify(result)).not.toContain(SECRET);
        expect(JSON.stringify(result)).not.toContain('root:x:0');
      }
      // Writes beside the root land in the sandbox's own /tmp (gone with it) or fail; the host keeps nothing.
      await run('cp', 'hello.txt', `${outside}/y`);
      await run('cp', 'hello.txt', '../pwned');
      expect(await readdir(outside)).toEqual(['secret.txt']);
      expect((await readdir(base)).sort()).toEqual(['outside', 'root', 'secret.txt']);
      expect(await readdir(root)).toEqual(['hello.txt']);
      expect(await run('ls', '-1', '..')).toMatchObject({ exitCode: 0, stdout: 'root\n' });
      expect(await run('cat', 'hello.txt')).toMatchObject({ exitCode: 0, stdout: 'hello from the sandbox' });
    } finally {
      await client.close();
    }
  });

  it('refuses every command when --bwrap names no bubblewrap, telling how to fix it', async () => {
    const client = await stdioClient(['--layer', 'execution', '--root', root, '--commands', 'cat', '--allow', 'mcp-stdio', '--bwrap', '/nonexistent/bwrap']);
    try {
      const refused = await client.callTool({ name: 'process-execution', arguments: { command: 'cat', args: ['hello.txt'] } });
      expect(refused.isError).toBe(true);
      expect(textJson(refused)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('apt-get install bubblewrap') });
    } finally {
      await client.close();
    }
  });
});

describe('langgraph-no mcp over Streamable HTTP (spawned bin)', () => {
  it('serves sessions on 127.0.0.1, with typed errors, and stops on SIGTERM', async () => {
    const { child, url } = await spawnHttp(['--layer', 'orchestration']);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = new Client({ name: 'int-http', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(url));
      await client.connect(transport);
      expect(transport.sessionId).toBeDefined();
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['orchestration.workflow.execute', 'orchestration.task.manage', 'orchestration.process.monitor']);
      const monitored = await client.callTool({ name: 'orchestration.process.monitor', arguments: { process: { pid: child.pid, name: 'node' } } });
      expect(textJson(monitored).observed).toMatchObject({ exists: true, isCurrentProcess: true });
      const missing = await client.callTool({ name: 'orchestration.task.manage', arguments: { action: 'cancel', task: { id: 'nope', title: 'x' } } });
      expect(textJson(missing)).toMatchObject({ code: 'TASK_NOT_FOUND' });
      const invalid = await client.callTool({ name: 'orchestration.workflow.execute', arguments: { workflowName: 'w' } });
      expect(textJson(invalid)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('goal') });
      await transport.terminateSession();
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(0);
  });

  it('denies the HTTP caller on the execution layer unless --allow mcp-http', async () => {
    const box = await sandbox();
    const { child, url } = await spawnHttp(['--layer', 'execution', '--root', box.root, '--allow', 'mcp-http']);
    try {
      const client = new Client({ name: 'int-http', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const read = await client.callTool({ name: 'file-system-operation', arguments: { operation: 'read', path: 'hello.txt' } });
      expect(JSON.stringify(textJson(read))).toContain('hello from the sandbox');
      await client.close();
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
      await box.cleanup();
    }
  });
});
