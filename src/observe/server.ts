import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NoError } from '../contracts/errors.js';
import { httpDrain, type ServerCloseOptions } from '../resilience/index.js';
import { bearerAuthenticator, requireAuthBeyondLoopback } from '../tools/http-auth.js';

/** Prometheus' registered default port for OpenTelemetry exporters. @default 9464 */
export const DEFAULT_OBSERVE_PORT = 9464;
/** Loopback only unless asked; any other address needs a `token`. @default '127.0.0.1' */
export const DEFAULT_OBSERVE_HOST = '127.0.0.1';

/** Anything that answers a Prometheus scrape: `createPrometheusMetrics()`'s result or your own `PrometheusExporter`. */
export type MetricsSource =
  | { handle(request: IncomingMessage, response: ServerResponse): void }
  | { getMetricsRequestHandler(request: IncomingMessage, response: ServerResponse): void };

export interface ObservabilityServerOptions {
  /** 0 picks a free port. @default DEFAULT_OBSERVE_PORT */
  port?: number;
  /** @default DEFAULT_OBSERVE_HOST */
  host?: string;
  /** What `/metrics` serves; without it `/metrics` answers 404 and says how to add it. */
  metrics?: MetricsSource;
  /**
   * A bearer token every request must carry (`Authorization: Bearer <token>`; Prometheus'
   * `authorization` / `bearer_token_file` scrape settings send it). Required when `host` is not a
   * loopback address; at least 16 characters. Compared in constant time, never logged.
   * @default undefined (no token: loopback only)
   */
  token?: string;
}

export { MIN_TOKEN_LENGTH, isLoopback } from '../tools/http-auth.js';

export interface ObservabilityServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops the server: no new connection, new requests get 503, requests in flight get `graceMs`
   * to finish (a scrape, a readiness check), then every connection is cut. Idempotent.
   * @example
   * await server.close({ graceMs: 2_000 });
   */
  close(options?: ServerCloseOptions): Promise<void>;
}

export type Route = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', 'cache-control': 'no-store' });
  response.end(text);
}

export function sendJson(response: ServerResponse, status: number, body: object): void {
  send(response, status, body);
}

function metricsRoute(source: MetricsSource | undefined): Route {
  if (source === undefined) {
    return (_req, res) => send(res, 404, 'no metrics on this server: pass metrics: await createPrometheusMetrics() to serveObservability\n');
  }
  return 'handle' in source ? (req, res) => source.handle(req, res) : (req, res) => source.getMetricsRequestHandler(req, res);
}

/**
 * A small read-only HTTP server (node:http, no framework) for `/metrics` (Prometheus text format)
 * and the extra routes given. Only GET and HEAD; it binds 127.0.0.1 unless told otherwise.
 */
/** How a server lets in what cannot send a bearer header (a browser). */
export interface ServerAccess {
  /** Served without the token, whatever the method (a sign-in form). */
  publicRoutes?: Record<string, Route>;
  /** Another way in, checked when the bearer header is missing or wrong (a session cookie). */
  alsoAccepts?: (request: IncomingMessage) => boolean;
  /** Answers a refused request itself (a redirect to the sign-in form) when it returns true. */
  onRefused?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

export async function startObservabilityServer(options: ObservabilityServerOptions, extra: Record<string, Route> = {}, access: ServerAccess = {}): Promise<ObservabilityServer> {
  const port = options.port ?? DEFAULT_OBSERVE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new NoError('INVALID_NUMBER', `port must be an integer from 0 to 65535, got ${String(port)}`, { details: { port } });
  }
  const host = options.host ?? DEFAULT_OBSERVE_HOST;
  const authenticate = bearerAuthenticator({ token: options.token });
  requireAuthBeyondLoopback(options, host, 'metrics and readiness');
  const routes: Record<string, Route> = { '/metrics': metricsRoute(options.metrics), ...extra };
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0]!;
    const route = routes[path];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, `${request.method ?? 'this method'} is not allowed: this server only serves GET\n`);
    }
    if (!route) return send(response, 404, `no route ${path}: try ${Object.keys(routes).join(', ')}\n`);
    Promise.resolve()
      .then(() => route(request, response))
      .catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, `${error instanceof Error ? error.message : String(error)}\n`);
        else response.destroy();
      });
  };
  const server: Server = createServer();
  const drain = httpDrain(server);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!drain.admit(request, response, (res) => send(res, 503, 'shutting down: this server is closing; try another instance\n'))) return;
    const open = access.publicRoutes?.[(request.url ?? '/').split('?')[0]!];
    if (open) return void Promise.resolve(open(request, response)).catch(() => response.destroy());
    if (authenticate === undefined) return serve(request, response);
    void authenticate(request.headers.authorization).then((outcome) => {
      if (outcome.ok || access.alsoAccepts?.(request)) return serve(request, response);
      if (access.onRefused?.(request, response)) return;
      response.setHeader('www-authenticate', 'Bearer realm="langgraph-no"');
      send(response, 401, 'missing or wrong bearer token: send Authorization: Bearer <token>\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    throw new NoError('INVALID_REQUEST', `cannot listen on ${host}:${port} (${code ?? String(error)}): pick another port, or port: 0 for a free one`, {
      details: { host, port, code },
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    port: bound,
    close: (closeOptions) => drain.close(closeOptions),
  };
}
