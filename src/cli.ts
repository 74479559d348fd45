#!/usr/bin/env node
/**
 * The `langgraph-no` command. `langgraph-no mcp ...` serves one tool layer over MCP (stdio or
 * Streamable HTTP); `langgraph-no worker ...` runs pool agents' jobs from a BullMQ queue;
 * `langgraph-no dashboard --demo` serves the live dashboard over a demo workload. Usage
 * errors exit 2, runtime failures 1.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ToolLayerLevel } from './contracts/tools.js';
import { graceFlag, list, parseFlags, positiveNumber, tokenOf, UsageError } from './cli-args.js';
import { onShutdownSignals } from './cli-shutdown.js';
import { runWorker } from './cli-worker.js';
import { runDashboard } from './cli-dashboard.js';
import { createToolLayer } from './tools/create-layer.js';
import type { PolicyRule } from './tools/policy.js';
import { isLoopback, MIN_TOKEN_LENGTH } from './tools/http-auth.js';
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_CLIENT, DEFAULT_SESSION_IDLE_TIMEOUT_MS, defaultAllowedHosts } from './tools/mcp/http.js';
import { createOrchestrationLayer } from './compat/mcp-tools/tools.js';
import { DEFAULT_HTTP_CALLER, DEFAULT_STDIO_CALLER, serveToolLayer, type McpServerHandle, type ServeToolLayerOptions } from './tools/mcp/server.js';

export const USAGE = `Usage: langgraph-no mcp --layer <primitive|execution|dashboard|orchestration> [options]
       langgraph-no worker --agents <module> [options]   (see langgraph-no worker --help)
       langgraph-no dashboard --demo [options]           (see langgraph-no dashboard --help)

Serves one tool layer over MCP, on stdio (default) or Streamable HTTP.

  --layer NAME          the layer to serve (required); 'orchestration' serves the current package's
                        three orchestration.* tools (a dashboard layer)
  --root DIR            sandbox root of the execution layer (required for --layer execution)
  --commands a,b        executables the execution layer may run (default: none)
  --hosts a,b           hosts the execution layer may fetch from (default: none); commands never
                        get the network
  --bwrap PATH          the bubblewrap executable that confines commands (default: /usr/bin/bwrap
                        or /usr/local/bin/bwrap); without a working one every command is refused
  --sandbox MODE        bubblewrap (default): each command sees only --root and the system folders;
                        none: UNSAFE, commands run unconfined with this process's whole file system
                        and network (only where a container or VM already is the sandbox)
  --http PORT           serve Streamable HTTP on PORT (0 = any free port) instead of stdio
  --bind ADDR           HTTP listen address (default: 127.0.0.1)
  --allowed-host NAME   extra Host header name accepted over HTTP (repeatable; localhost names always are)
  --token-env VAR       require Authorization: Bearer <token> on every HTTP request, the token read
                        from environment variable VAR (at least ${MIN_TOKEN_LENGTH} characters)
  --token-file PATH     the same, the token read from a file (one line; e.g. a mounted secret).
                        One of the two is required with a --bind other than loopback. There is no
                        flag for the token itself: a command line is visible to every local user (ps)
  --max-sessions N      open HTTP sessions at most (default: ${DEFAULT_MAX_SESSIONS}); when full, the least
                        recently used idle session is ended to make room
  --max-sessions-per-client N
                        sessions one client may hold (default: ${DEFAULT_MAX_SESSIONS_PER_CLIENT}); a client is its remote
                        address, so on a loopback server every local process counts as one client
  --session-idle-timeout S
                        end a session with no request or stream open for S seconds
                        (default: ${DEFAULT_SESSION_IDLE_TIMEOUT_MS / 1000}); its client must then initialize again
  --shutdown-grace S    on SIGTERM or SIGINT, refuse new requests (503) and let those in flight
                        finish for up to S seconds before cutting them; a second signal cuts them
                        at once (default: cut at once)
  --trust-proxy         take the client address from the last X-Forwarded-For entry; only behind a
                        reverse proxy of yours that sets it (else clients can claim any address)
  --caller ID           the caller id every MCP call is authorised as
                        (default: ${DEFAULT_STDIO_CALLER} on stdio, ${DEFAULT_HTTP_CALLER} on HTTP)
  --allow ID            allow caller ID on the whole layer (repeatable, or a,b). The execution layer
                        denies every caller that no rule allows: pass --allow ${DEFAULT_STDIO_CALLER} (stdio) or
                        --allow ${DEFAULT_HTTP_CALLER} (HTTP) to let the connected client run its tools
  --rate-limit N[/R]    burst of N calls per caller and tool, refilled at R per second (default 60/10)
  -h, --help            show this help

Tool results are JSON text; refusals are isError results with { code, message, details?, retryable?, timestamp }.
`;


export { UsageError } from './cli-args.js';
export { parseWorkerArgs, startWorker, WORKER_USAGE, type WorkerCommand } from './cli-worker.js';
export { parseDashboardArgs, DASHBOARD_USAGE, type DashboardCommand } from './cli-dashboard.js';

/** What `mcp` was asked to do, after validation. */
export type CliLayer = ToolLayerLevel | 'orchestration';

export interface McpCommand {
  level: CliLayer;
  root?: string;
  commands: string[];
  hosts: string[];
  /** `none` runs commands unconfined (unsafe); absent, they run under bubblewrap. */
  sandbox?: 'none';
  bwrap?: string;
  http?: number;
  bind: string;
  /** The bearer token HTTP clients must send (read from --token-env or --token-file). */
  token?: string;
  allowedHosts: string[];
  maxSessions?: number;
  maxSessionsPerClient?: number;
  sessionIdleTimeoutMs?: number;
  trustProxy?: boolean;
  /** How long in-flight HTTP requests may finish after SIGTERM or SIGINT; absent, they are cut at once. */
  shutdownGraceMs?: number;
  caller?: string;
  allow: string[];
  rateLimit?: { capacity: number; refillPerSecond: number };
}

const LEVELS: readonly CliLayer[] = ['primitive', 'execution', 'dashboard', 'orchestration'];
const HTTP_ONLY = ['bind', 'token-env', 'token-file', 'allowed-host', 'max-sessions', 'max-sessions-per-client', 'session-idle-timeout', 'trust-proxy', 'shutdown-grace'] as const;

/** Parses `mcp`'s flags; throws UsageError for anything wrong. `env` is where --token-env looks. */
export function parseMcpArgs(args: string[], env: NodeJS.ProcessEnv = process.env): McpCommand | 'help' {
  const values = parseFlags(args, {
    layer: { type: 'string' },
    root: { type: 'string' },
    commands: { type: 'string', multiple: true },
    hosts: { type: 'string', multiple: true },
    sandbox: { type: 'string' },
    bwrap: { type: 'string' },
    http: { type: 'string' },
    bind: { type: 'string' },
    'allowed-host': { type: 'string', multiple: true },
    'token-env': { type: 'string' },
    'token-file': { type: 'string' },
    'max-sessions': { type: 'string' },
    'max-sessions-per-client': { type: 'string' },
    'session-idle-timeout': { type: 'string' },
    'trust-proxy': { type: 'boolean' },
    'shutdown-grace': { type: 'string' },
    caller: { type: 'string' },
    allow: { type: 'string', multiple: true },
    'rate-limit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return 'help';
  const level = values.layer;
  if (level === undefined) throw new UsageError('--layer is required');
  if (!LEVELS.includes(level as CliLayer)) throw new UsageError(`--layer must be one of ${LEVELS.join(', ')}, got '${level}'`);
  const command: McpCommand = {
    level: level as CliLayer,
    commands: list(values.commands),
    hosts: list(values.hosts),
    bind: values.bind ?? '127.0.0.1',
    allowedHosts: list(values['allowed-host']),
    allow: list(values.allow),
  };
  if (values.root !== undefined) {
    const root = resolve(values.root);
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      /* reported below */
    }
    if (!isDir) throw new UsageError(`--root '${values.root}' is not a directory`);
    command.root = root;
  }
  if (command.level === 'execution' && command.root === undefined) throw new UsageError('--layer execution needs --root DIR (the sandbox)');
  if (values.sandbox !== undefined) {
    if (values.sandbox !== 'none' && values.sandbox !== 'bubblewrap') throw new UsageError(`--sandbox must be none or bubblewrap, got '${values.sandbox}'`);
    if (values.sandbox === 'none') command.sandbox = 'none';
  }
  if (values.bwrap !== undefined) {
    if (command.sandbox === 'none') throw new UsageError('--bwrap and --sandbox none contradict each other');
    command.bwrap = resolve(values.bwrap);
  }
  const sandboxFlags = values.sandbox !== undefined || values.bwrap !== undefined;
  if (command.level !== 'execution' && (command.root !== undefined || command.commands.length > 0 || command.hosts.length > 0 || sandboxFlags)) {
    throw new UsageError('--root, --commands, --hosts, --sandbox and --bwrap apply to --layer execution only');
  }
  if (values.http !== undefined) {
    const port = Number(values.http);
    if (!/^\d+$/.test(values.http) || port > 65535) throw new UsageError(`--http needs a port 0-65535, got '${values.http}'`);
    command.http = port;
  } else {
    const given = HTTP_ONLY.filter((flag) => values[flag] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given.join(' and --')} ${given.length === 1 ? 'applies' : 'apply'} to --http only`);
  }
  const token = tokenOf(values, env);
  if (token !== undefined) command.token = token;
  else if (command.http !== undefined && !isLoopback(command.bind)) {
    throw new UsageError(`--bind ${command.bind} serves the layer beyond this machine: pass --token-env VAR or --token-file PATH (clients send Authorization: Bearer <token>), or --bind 127.0.0.1`);
  }
  if (values['max-sessions'] !== undefined) command.maxSessions = positiveNumber('--max-sessions', values['max-sessions'], true);
  if (values['max-sessions-per-client'] !== undefined) {
    command.maxSessionsPerClient = positiveNumber('--max-sessions-per-client', values['max-sessions-per-client'], true);
  }
  if (values['session-idle-timeout'] !== undefined) {
    command.sessionIdleTimeoutMs = positiveNumber('--session-idle-timeout', values['session-idle-timeout'], false) * 1000;
  }
  if (values['trust-proxy'] === true) command.trustProxy = true;
  if (values['shutdown-grace'] !== undefined) command.shutdownGraceMs = graceFlag('--shutdown-grace', values['shutdown-grace']);
  if (values.caller !== undefined) {
    if (values.caller.trim() === '') throw new UsageError('--caller needs a non-empty id');
    command.caller = values.caller;
  }
  if (values['rate-limit'] !== undefined) {
    const [capacity = '', refill] = values['rate-limit'].split('/');
    command.rateLimit = {
      capacity: positiveNumber('--rate-limit', capacity, true),
      refillPerSecond: refill === undefined ? 10 : positiveNumber('--rate-limit', refill, false),
    };
  }
  return command;
}

/** Builds the layer and serves it; resolves to the running server. */
export async function startMcp(command: McpCommand, io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {}): Promise<McpServerHandle> {
  const level: ToolLayerLevel = command.level === 'orchestration' ? 'dashboard' : command.level;
  const rules: PolicyRule[] = command.allow.map((caller) => ({ caller, layer: level, effect: 'allow' }));
  const common = { policy: { rules }, ...(command.rateLimit ? { rateLimit: command.rateLimit } : {}) };
  const layer =
    command.level === 'execution'
      ? createToolLayer('execution', {
          ...common,
          root: command.root as string,
          commands: command.commands,
          hosts: command.hosts,
          sandbox: command.sandbox ?? (command.bwrap === undefined ? 'bubblewrap' : { bwrap: command.bwrap }),
        })
      : command.level === 'orchestration'
        ? createOrchestrationLayer(common)
        : createToolLayer(level, common);
  const options: ServeToolLayerOptions =
    command.http === undefined
      ? { transport: 'stdio', ...(io.stdin ? { stdin: io.stdin as never } : {}), ...(io.stdout ? { stdout: io.stdout as never } : {}) }
      : {
          transport: 'http',
          port: command.http,
          host: command.bind,
          allowedHosts: [...defaultAllowedHosts(command.bind), ...command.allowedHosts],
          ...(command.token !== undefined ? { token: command.token } : {}),
          ...(command.maxSessions !== undefined ? { maxSessions: command.maxSessions } : {}),
          ...(command.maxSessionsPerClient !== undefined ? { maxSessionsPerClient: command.maxSessionsPerClient } : {}),
          ...(command.sessionIdleTimeoutMs !== undefined ? { sessionIdleTimeoutMs: command.sessionIdleTimeoutMs } : {}),
          ...(command.trustProxy === true ? { trustProxy: true } : {}),
        };
  if (command.caller !== undefined) options.caller = command.caller;
  return serveToolLayer(layer, options);
}

/**
 * Runs the command line; resolves to the exit code once the server has stopped (SIGINT, SIGTERM,
 * or the stdio client hanging up).
 */
export async function runCli(argv: string[], io: { stderr?: NodeJS.WritableStream; stdout?: NodeJS.WritableStream } = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  const [sub, ...rest] = argv;
  if (sub === 'worker') return runWorker(rest, io.stdout ?? process.stdout, stderr);
  if (sub === 'dashboard') return runDashboard(rest, io.stdout ?? process.stdout, stderr);
  let command: McpCommand | 'help';
  try {
    if (sub === '-h' || sub === '--help') command = 'help';
    else if (sub !== 'mcp') throw new UsageError(sub === undefined ? 'missing command' : `unknown command '${sub}'`);
    else command = parseMcpArgs(rest);
  } catch (error) {
    stderr.write(`langgraph-no: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (command === 'help') {
    (io.stdout ?? process.stdout).write(USAGE);
    return 0;
  }
  let handle: McpServerHandle;
  try {
    handle = await startMcp(command);
  } catch (error) {
    stderr.write(`langgraph-no: ${(error as Error).message}\n`);
    return 1;
  }
  // stdout carries the protocol on stdio, so every message goes to stderr.
  stderr.write(`langgraph-no: serving the ${command.level} layer over ${handle.url ?? 'stdio'}\n`);
  const graceMs = command.shutdownGraceMs ?? 0;
  const shutdown = onShutdownSignals((ms, signal) => handle.close({ graceMs: ms, signal }), graceMs, {
    onSignal: (signal, count) => {
      if (graceMs > 0) stderr.write(count === 1 ? `langgraph-no: ${signal}: refusing new requests, letting those in flight finish for up to ${graceMs / 1000} s (signal again to cut them)\n` : `langgraph-no: ${signal} again: cutting requests in flight\n`);
    },
  });
  await handle.closed;
  shutdown.dispose();
  return 0;
}

/* istanbul ignore next -- the bin entry; tests spawn it as a child process */
if (typeof require !== 'undefined' && require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
