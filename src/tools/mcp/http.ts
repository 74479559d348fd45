import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { httpDrain, type ServerCloseOptions } from '../../resilience/index.js';
import { bearerAuthenticator, requireAuthBeyondLoopback, type BearerAuthOptions } from '../http-auth.js';
import { createSessionEventStore, DEFAULT_MAX_EVENTS } from './event-store.js';
import { answerClientError, clientOf, hostnameOf, readBody, refuseAuth, reply, verifiedClientId } from './http-wire.js';
import { createSessionPool, type SessionSlot } from './session-pool.js';

/** Host names a localhost server answers to (port-agnostic). */
export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];
/** @default '/mcp' */
export const DEFAULT_MCP_PATH = '/mcp';
/**
 * Open sessions at most. When full, the least recently used idle session is ended to make room; a new
 * client gets 503 only while every session is busy. @default 100
 */
export const DEFAULT_MAX_SESSIONS = 100;
/**
 * Open sessions one client may hold (see `trustProxy` for what a client is). Beyond it, that client's
 * least recently used idle session is ended; while all of them are busy it gets 429. @default 10
 */
export const DEFAULT_MAX_SESSIONS_PER_CLIENT = 10;
/** A session with no request or SSE stream open for this long is ended. @default 600000 (10 minutes) */
export const DEFAULT_SESSION_IDLE_TIMEOUT_MS = 10 * 60_000;
/** Largest POST body; a larger one (declared or sent) gets a JSON-RPC 413 and the connection is closed. @default 4 MiB */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** How long an SSE client waits before reconnecting. @default 1000 */
export const DEFAULT_RETRY_INTERVAL_MS = 1000;

export interface McpHttpOptions extends BearerAuthOptions {
  /** The endpoint path. @default DEFAULT_MCP_PATH */
  path?: string;
  /**
   * Host header names accepted (DNS-rebinding protection; port-agnostic, IPv6 in brackets).
   * @default LOCALHOST_NAMES plus the listen address when it is a specific one
   */
  allowedHosts?: string[];
  /** Exact `Origin` values accepted. @default any origin whose host name is an allowed host */
  allowedOrigins?: string[];
  /** @default DEFAULT_MAX_SESSIONS */
  maxSessions?: number;
  /**
   * Sessions one client may hold. A client is the client id an auth middleware verified (`req.auth`,
   * or the `AuthInfo` of `verifyToken`), else the remote address (a shared `token` names no client): on a loopback server every local process is the same client.
   * @default DEFAULT_MAX_SESSIONS_PER_CLIENT
   */
  maxSessionsPerClient?: number;
  /**
   * How long a session may sit with no request or SSE stream open before it is ended; a later request
   * with its id gets 404 "Session not found", which tells the client to initialize again. `Infinity`
   * keeps idle sessions until a cap needs their room. @default DEFAULT_SESSION_IDLE_TIMEOUT_MS
   */
  sessionIdleTimeoutMs?: number;
  /**
   * Behind a reverse proxy, take the client's address from the last `X-Forwarded-For` entry (the one the
   * proxy appended). Only set it when a proxy you run always sets that header: otherwise any client
   * can claim any address. @default false
   */
  trustProxy?: boolean;
  /** @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Messages kept per session so a dropped SSE stream can resume (`Last-Event-ID`); 0 turns it off. @default DEFAULT_MAX_EVENTS */
  maxEvents?: number;
  /** The `retry` hint (ms) sent to SSE clients. @default DEFAULT_RETRY_INTERVAL_MS */
  retryIntervalMs?: number;
  /** Epoch-ms clock of session idleness (tests move it). @default Date.now */
  now?: () => number;
}

/** A running server. */
export interface McpServerHandle {
  /** `http://host:port/mcp` for HTTP. */
  url?: string;
  /** Resolves once the server has stopped (closed, aborted or, on stdio, the client hung up). */
  closed: Promise<void>;
  /**
   * Stops the server. Over HTTP: no new connection, new requests get 503 with a JSON-RPC error, and
   * requests in flight (tool calls) get `graceMs` to finish; then every session ends and every
   * connection is cut. A session's own SSE stream (its GET) does not hold the close. Idempotent.
   * @example
   * await handle.close({ graceMs: 5_000 });
   */
  close(options?: ServerCloseOptions): Promise<void>;
}

/** The HTTP half of serving: a node:http request handler with sessions, and its shutdown. */
export interface McpHttpHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Open sessions now. */
  sessions(): number;
  close(): Promise<void>;
}

/** What the handler keeps per session. */
interface Session {
  /** The verified client id that opened it: only that client may use it. */
  owner: string | undefined;
  server?: Server;
  transport?: StreamableHTTPServerTransport;
}

const NOT_FOUND = 'Session not found: it ended or expired; send initialize to start a new session';

/**
 * The Streamable HTTP endpoint: checks Host and Origin first (a DNS-rebinding page cannot reach a
 * localhost server), creates one SDK transport and one MCP server per session at `initialize`, routes
 * later requests by `mcp-session-id`, and bounds body size and sessions (in all, per client, and in
 * idle time; a full cap makes room by ending its least recently used idle session).
 *
 * On a node:http server of your own, create it with `{ requireHostHeader: false }`: otherwise Node
 * answers a request without Host itself, with a bare 400, before this handler can explain it.
 *
 * @example
 * const handler = createMcpHttpHandler(() => createLayerMcpServer(layer, { transport: 'http' }), { maxSessionsPerClient: 4 });
 * createServer({ requireHostHeader: false }, (req, res) => void handler.handle(req, res)).listen(3000, '127.0.0.1');
 */
export function createMcpHttpHandler(createServerFor: () => Server, options: McpHttpOptions = {}): McpHttpHandler {
  const path = options.path ?? DEFAULT_MCP_PATH;
  const hosts = new Set((options.allowedHosts ?? LOCALHOST_NAMES).map((h) => hostnameOf(h) ?? h.toLowerCase()));
  const origins = options.allowedOrigins === undefined ? undefined : new Set(options.allowedOrigins);
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const maxSessionsPerClient = options.maxSessionsPerClient ?? DEFAULT_MAX_SESSIONS_PER_CLIENT;
  const sessionIdleTimeoutMs = options.sessionIdleTimeoutMs ?? DEFAULT_SESSION_IDLE_TIMEOUT_MS;
  const trustProxy = options.trustProxy ?? false;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const authenticate = bearerAuthenticator(options);
  const pool = createSessionPool<Session>({
    maxSessions,
    maxSessionsPerClient,
    sessionIdleTimeoutMs,
    now: options.now ?? Date.now,
    // Closing only drops in-memory state (the transport's streams, the server's handlers): a failure
    // there leaves nothing to retry, and must not surface as an unhandled rejection.
    onEnd: (slot) => void slot.value.server?.close().catch(() => undefined),
  });
  // Requests and caps end expired sessions the moment they matter; this sweep only returns the memory
  // of sessions nobody asks about again, so a tenth of the timeout late (a minute at most) is soon enough.
  const sweepEveryMs = Math.min(Math.max(sessionIdleTimeoutMs / 10, 1000), 60_000);
  const sweeper = Number.isFinite(sessionIdleTimeoutMs) ? setInterval(() => pool.sweep(), sweepEveryMs) : undefined;
  sweeper?.unref();

  const allowed = (req: IncomingMessage): string | undefined => {
    const host = hostnameOf(req.headers.host as string);
    if (host === undefined || !hosts.has(host)) return `Invalid Host header: ${req.headers.host}`;
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    const ok = origins === undefined ? hosts.has(hostnameOf(origin) ?? '') : origins.has(origin);
    return ok ? undefined : `Invalid Origin header: ${origin}`;
  };

  /** Counts the request as the session's until its response (or stream) closes. */
  const track = (slot: SessionSlot<Session>, res: ServerResponse): void => void res.once('close', () => pool.leave(slot));

  async function open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const slot = pool.admit(clientOf(req, trustProxy), { owner: verifiedClientId(req) });
    if (slot === 'client') {
      return reply(res, 429, -32000, `Too many sessions for this client: its ${maxSessionsPerClient} sessions are all busy. End one with an HTTP DELETE carrying its Mcp-Session-Id (or close its stream), then initialize again`);
    }
    if (slot === 'global') return reply(res, 503, -32000, `Too many sessions: all ${maxSessions} sessions are busy; try again later`);
    track(slot, res);
    let server: Server;
    try {
      server = createServerFor();
    } catch (error) {
      pool.release(slot);
      throw error;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      ...(maxEvents > 0 ? { eventStore: createSessionEventStore(maxEvents) } : {}),
      retryInterval: options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS,
      onsessioninitialized: (id) => pool.bind(slot, id),
    });
    Object.assign(slot.value, { server, transport });
    // DELETE, an eviction or expiry, or shutdown: the session leaves the pool in every case.
    transport.onclose = () => pool.release(slot);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    // A failed initialize leaves no session behind.
    if (slot.id === undefined) {
      pool.release(slot);
      await server.close();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Without a Host there is nothing to check DNS rebinding against, so the request cannot be served.
    if (req.headers.host === undefined) return reply(res, 400, -32000, 'Bad Request: missing Host header (HTTP/1.1 requires one)');
    const refused = allowed(req);
    if (refused !== undefined) return reply(res, 403, -32000, refused);
    // Before the body is read: an unauthenticated client cannot make the server read megabytes.
    if (authenticate !== undefined) {
      const outcome = await authenticate(req.headers.authorization);
      if (!outcome.ok) return refuseAuth(res, outcome);
      // A verified identity keys the per-client cap, session ownership and the caller id; one
      // shared token proves no identity, so it sets none (all holders would share one client's cap).
      if (outcome.auth !== undefined) (req as IncomingMessage & { auth?: AuthInfo }).auth = outcome.auth;
    }
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return reply(res, 404, -32000, `Not found: the MCP endpoint is ${path}`);
    // Node joins repeated unknown headers into one string, so this is never an array.
    const sessionId = req.headers['mcp-session-id'] as string | undefined;
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      if (raw === 'too-large') return reply(res, 413, -32000, `Request body over ${maxBodyBytes} bytes`, true);
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return reply(res, 400, -32700, 'Parse error: the body is not JSON');
      }
    }
    if (sessionId !== undefined) {
      const slot = pool.get(sessionId);
      // A session opened under a verified identity answers no one else: same 404, so a stolen id
      // does not even confirm that the session exists.
      if (slot === undefined || (slot.value.owner !== undefined && slot.value.owner !== verifiedClientId(req))) return reply(res, 404, -32001, NOT_FOUND);
      pool.enter(slot);
      track(slot, res);
      return (slot.value.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
    }
    if (req.method === 'POST' && isInitializeRequest(body)) return open(req, res, body);
    if (req.method === 'POST' || req.method === 'GET' || req.method === 'DELETE') {
      return reply(res, 400, -32000, 'Bad Request: no valid session id (send initialize first)');
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    return reply(res, 405, -32000, 'Method not allowed');
  }

  return {
    handle: (req, res) =>
      handle(req, res).catch((error: unknown) => reply(res, 500, -32603, `Internal error: ${(error as Error).message}`)),
    sessions: () => pool.slots().filter((slot) => slot.id !== undefined).length,
    async close() {
      if (sweeper !== undefined) clearInterval(sweeper);
      const all = pool.slots();
      for (const slot of all) pool.release(slot);
      await Promise.allSettled(all.map((slot) => slot.value.server?.close()));
    },
  };
}

/**
 * The localhost names, plus the listen address when it is a specific one (a wildcard address says
 * nothing about the names clients will use: pass them as `allowedHosts`).
 */
export function defaultAllowedHosts(listenAddress: string): string[] {
  const wildcard = listenAddress === '0.0.0.0' || listenAddress === '::' || listenAddress === '';
  const name = listenAddress.includes(':') && !listenAddress.startsWith('[') ? `[${listenAddress}]` : listenAddress;
  return wildcard || LOCALHOST_NAMES.includes(name) ? [...LOCALHOST_NAMES] : [...LOCALHOST_NAMES, name];
}

/** Binds the handler on node:http. Used by serveToolLayer({ transport: 'http' }). */
export async function listenMcpHttp(
  createServerFor: () => Server,
  options: McpHttpOptions & { port?: number; host?: string },
): Promise<McpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  requireAuthBeyondLoopback(options, host, 'these MCP tools');
  const allowedHosts = options.allowedHosts ?? defaultAllowedHosts(host);
  const handler = createMcpHttpHandler(createServerFor, { ...options, allowedHosts });
  // Node's own Host check answers 400 with no body; the handler's answers with a JSON-RPC error.
  const httpServer = createServer({ requireHostHeader: false });
  const drain = httpDrain(httpServer);
  const refuse = (res: ServerResponse): void => reply(res, 503, -32000, 'Server shutting down: it takes no new requests; reconnect to another instance and initialize again', true);
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // A GET is a session's SSE stream, open as long as the session is: it must not hold the close.
    if (req.method === 'GET') {
      if (drain.draining) return refuse(res);
    } else if (!drain.admit(req, res, refuse)) {
      return;
    }
    void handler.handle(req, res);
  });
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  let closing: Promise<void> | undefined;
  // A bad grace rejects without closing anything, so a later close() still works.
  const close = (closeOptions: ServerCloseOptions = {}): Promise<void> =>
    (closing ??= drain.close({ ...closeOptions, beforeCut: () => handler.close() }).then(done, (error: unknown) => {
      closing = undefined;
      throw error;
    }));
  return { url: `http://${shown}:${port}${options.path ?? DEFAULT_MCP_PATH}`, closed, close };
}
