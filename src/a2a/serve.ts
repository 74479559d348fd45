import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { NoError } from '../contracts/errors.js';
import type { AgentDefinition } from '../loop/agents.js';
import { abortError, httpDrain, type ServerCloseOptions } from '../resilience/index.js';
import type { AuditTrail } from '../telemetry/audit.js';
import { bearerAuthenticator, requireAuthBeyondLoopback, wwwAuthenticate, type BearerAuthenticator, type BearerAuthOptions } from '../tools/http-auth.js';
import { defaultAllowedHosts } from '../tools/mcp/http.js';
import { bearerSecurity, buildAgentCard, type AgentCardOptions } from './card.js';
import { createPoolAgentExecutor } from './executor.js';
import { AGENT_CARD_PATH, loadA2ASdk, type A2ASdk, type AgentCard, type AgentExecutor, type SendMessageRequest, type ServerCallContext, type TaskStore } from './sdk.js';

/** @default '127.0.0.1' (localhost only; pass '0.0.0.0' and `allowedHosts` to serve a network) */
export const DEFAULT_A2A_HOST = '127.0.0.1';
/** 0 asks the OS for a free port. @default 0 */
export const DEFAULT_A2A_PORT = 0;
/** Where the JSON-RPC endpoint is mounted (the card's interface URL points at it). @default '/a2a' */
export const DEFAULT_A2A_RPC_PATH = '/a2a';

/**
 * The JSON-RPC error code of a refused request: A2A reserves -32001 to -32009 for its own errors and
 * has none for authentication, which it leaves to HTTP (401 and `WWW-Authenticate`), so the refusal
 * uses the first code of JSON-RPC's implementation-defined server-error range.
 */
export const A2A_UNAUTHENTICATED_CODE = -32000;

/**
 * `token` (or `verifyToken`) protects the JSON-RPC endpoint: every request must carry
 * `Authorization: Bearer <token>`, else 401 with a JSON-RPC error; the agent card stays public and
 * advertises the bearer scheme. Required to serve beyond loopback.
 */
export interface ServeA2AOptions extends AgentCardOptions, BearerAuthOptions {
  /** @default DEFAULT_A2A_HOST */
  host?: string;
  /** @default DEFAULT_A2A_PORT */
  port?: number;
  /** The base URL clients reach this server at (behind a proxy); the card advertises it. @default `http://host:port` */
  publicUrl?: string;
  /** Where tasks are kept, so `tasks/get` answers. @default a new InMemoryTaskStore */
  taskStore?: TaskStore;
  /** Receives one `a2a.task` record per served task. */
  audit?: AuditTrail;
  /**
   * Host header names accepted (DNS-rebinding protection, as for the MCP server); others get 403.
   * @default the localhost names, the listen address when specific, and the publicUrl's host
   */
  allowedHosts?: string[];
  /** Closes the server when it aborts. */
  signal?: AbortSignal;
}

/** A running A2A server. */
export interface A2AServerHandle {
  /** Base URL: the agent card is at `${url}/.well-known/agent-card.json`. */
  url: string;
  agentCard: AgentCard;
  /**
   * Stops the server: no new connection, new requests get 503 with a JSON-RPC error, and requests
   * in flight (a blocking send, a stream) get `graceMs` to finish; then running tasks are aborted
   * (they end failed), open streams dropped and connections cut. Idempotent.
   * @example
   * await server.close({ graceMs: 10_000 });
   */
  close(options?: ServerCloseOptions): Promise<void>;
}

function hostnameOf(value: string): string | undefined {
  try {
    return new URL(`http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function publicHostOf(publicUrl: string): string {
  try {
    return new URL(publicUrl).hostname.toLowerCase();
  } catch {
    throw new NoError('INVALID_REQUEST', `invalid publicUrl '${publicUrl}'`, { details: { publicUrl } });
  }
}

/**
 * The SDK's request handler, refusing follow-up messages: the agents nO serves run one message to
 * one result, and a message naming a running task would share (and end) that task's event bus.
 */
function singleTurnHandler(sdk: A2ASdk, card: AgentCard, store: TaskStore, executor: AgentExecutor): InstanceType<A2ASdk['server']['DefaultRequestHandler']> {
  const refuseFollowUp = (params: SendMessageRequest): void => {
    const taskId = params.message?.taskId;
    if (taskId) {
      throw new sdk.errors.UnsupportedOperationError(`this agent takes no follow-up messages (task ${taskId}); send a new message without taskId`);
    }
  };
  class SingleTurnRequestHandler extends sdk.server.DefaultRequestHandler {
    override async sendMessage(params: SendMessageRequest, ctx: ServerCallContext) {
      refuseFollowUp(params);
      return super.sendMessage(params, ctx);
    }

    override async *sendMessageStream(params: SendMessageRequest, ctx: ServerCallContext) {
      refuseFollowUp(params);
      yield* super.sendMessageStream(params, ctx);
    }
  }
  return new SingleTurnRequestHandler(card, store, executor);
}

function hostGuard(allowed: ReadonlySet<string>): RequestHandler {
  return (req, res, next) => {
    const host = hostnameOf(req.headers.host ?? '');
    if (host !== undefined && allowed.has(host)) return next();
    res.status(403).json({ error: `Invalid Host header: ${req.headers.host ?? '(none)'}` });
  };
}

/** Refuses requests without the bearer token, with a JSON-RPC error (A2A is JSON-RPC 2.0). */
function bearerGuard(authenticate: BearerAuthenticator): RequestHandler {
  return (req, res, next) => {
    void authenticate(req.headers.authorization).then((outcome) => {
      if (outcome.ok) {
        if (outcome.auth !== undefined) (req as typeof req & { auth?: unknown }).auth = outcome.auth;
        return next();
      }
      if (outcome.status === 401) res.set('www-authenticate', wwwAuthenticate(outcome));
      const error = outcome.status === 401 ? { code: A2A_UNAUTHENTICATED_CODE, message: `Unauthorized: ${outcome.description}` } : { code: -32603, message: outcome.description };
      res.set('connection', 'close').status(outcome.status).json({ jsonrpc: '2.0', id: null, error });
    });
  };
}

/** The SDK's caller: authenticated once the guard let the request through, named by a verified client id. */
function userOf(req: { auth?: { clientId?: string } }): { isAuthenticated: boolean; userName: string } {
  return { isAuthenticated: true, userName: req.auth?.clientId ?? '' };
}

/**
 * Serves a pool agent as an A2A server (JSON-RPC over HTTP, with the SDK's express handlers): the
 * agent card at the well-known path, and blocking send, streaming send (SSE), get task and cancel
 * task, under their v1.0 names (`SendMessage`, `SendStreamingMessage`, `GetTask`, `CancelTask`) and,
 * unless `legacyV03` is false, their v0.3 names (`message/send`, `message/stream`, `tasks/get`,
 * `tasks/cancel`). Each message runs the agent once through `invokeAgent` with a run
 * context built from the message: a single data part is the input's data, text parts are joined
 * into one string (see partsToValue); the output comes back as an artifact, a text part for a
 * string, else a data part. See createPoolAgentExecutor for the task lifecycle.
 *
 * @example
 * const server = await serveAgentOverA2A({ id: 'sum', capabilities: ['math'], run: (xs) => xs.reduce((a, b) => a + b) });
 * const remote = await createA2AAgent({ url: server.url }); // elsewhere, to join a pool
 * await server.close();
 */
export async function serveAgentOverA2A(agent: AgentDefinition, options: ServeA2AOptions = {}): Promise<A2AServerHandle> {
  if (options.signal?.aborted) throw abortError(options.signal, 'serving was aborted before it started');
  const publicHost = options.publicUrl === undefined ? undefined : publicHostOf(options.publicUrl);
  const host = options.host ?? DEFAULT_A2A_HOST;
  const authenticate = bearerAuthenticator(options);
  requireAuthBeyondLoopback(options, host, 'this agent');
  const sdk = await loadA2ASdk();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_A2A_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = (options.publicUrl ?? `http://${shown}:${port}`).replace(/\/+$/, '');
  const agentCard = buildAgentCard(agent, `${url}${DEFAULT_A2A_RPC_PATH}`, options);
  if (authenticate !== undefined) Object.assign(agentCard, bearerSecurity());
  const executor = createPoolAgentExecutor(agent, options.audit ? { audit: options.audit } : {});
  const requestHandler = singleTurnHandler(sdk, agentCard, options.taskStore ?? new sdk.server.InMemoryTaskStore(), executor);

  const allowed = new Set(options.allowedHosts ?? defaultAllowedHosts(host));
  if (options.allowedHosts === undefined && publicHost !== undefined) allowed.add(publicHost);
  const app = express();
  app.use(hostGuard(new Set([...allowed].map((h) => hostnameOf(h) ?? h.toLowerCase()))));
  const legacyCompat = { enabled: options.legacyV03 !== false };
  app.use(`/${AGENT_CARD_PATH}`, sdk.express.agentCardHandler({ agentCardProvider: requestHandler, legacyCompat }));
  if (authenticate !== undefined) app.use(DEFAULT_A2A_RPC_PATH, bearerGuard(authenticate));
  const userBuilder = authenticate === undefined ? sdk.express.UserBuilder.noAuthentication : (req: unknown) => Promise.resolve(userOf(req as { auth?: { clientId?: string } }));
  app.use(DEFAULT_A2A_RPC_PATH, sdk.express.jsonRpcHandler({ requestHandler, userBuilder, legacyCompat }));
  const drain = httpDrain(server);
  const refuse = (res: ServerResponse): void => {
    res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({
      jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Server shutting down: it takes no new requests; send the message to another instance' },
    }));
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (drain.admit(req, res, refuse)) app(req, res);
  });

  const onAbort = (): void => void close();
  const close = (closeOptions: ServerCloseOptions = {}): Promise<void> => {
    const closing = drain.close({ ...closeOptions, beforeCut: () => executor.abortAll('the A2A server is closing') });
    // A bad grace rejects and closes nothing: the server keeps serving, and its signal still closes it.
    if (drain.draining) options.signal?.removeEventListener('abort', onAbort);
    return closing;
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  return { url, agentCard, close };
}
