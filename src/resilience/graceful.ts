import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { NoError } from '../contracts/errors.js';

/**
 * How long a server's `close()` lets requests in flight finish before it cuts their connections.
 * @default 0 (cut at once, as `close()` always did: pass `graceMs` for a graceful close)
 */
export const DEFAULT_SERVER_CLOSE_GRACE_MS = 0;

export interface ServerCloseOptions {
  /**
   * How long requests in flight may take to finish; new requests meanwhile get 503 and no new
   * connection is accepted. Connections still open then are destroyed.
   * @default DEFAULT_SERVER_CLOSE_GRACE_MS
   */
  graceMs?: number;
  /** Aborting it ends the grace at once (a second SIGTERM). */
  signal?: AbortSignal;
}

/** What `HttpDrain.close` takes. */
export interface HttpDrainCloseOptions extends ServerCloseOptions {
  /** Runs once the grace is over, before the connections are cut: abort what still runs, so it can say so. */
  beforeCut?: () => void | Promise<void>;
}

/** Refuses a grace that is not a whole, non-negative number of milliseconds. */
export function checkGraceMs(graceMs: number): void {
  if (!Number.isInteger(graceMs) || graceMs < 0) {
    throw new NoError('INVALID_NUMBER', `graceMs must be a non-negative integer of milliseconds, got ${String(graceMs)}`, { details: { graceMs } });
  }
}

/** Resolves after `ms`, when `signal` aborts, or when `early` resolves, whichever comes first. */
export function graceOver(ms: number, early: Promise<void>, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
    void early.then(done);
  });
}

/** The graceful close of one node:http server: which requests are in flight, and the drain. */
export interface HttpDrain {
  /** Whether `close` has begun. */
  readonly draining: boolean;
  /**
   * Call first for every request: counts it in flight until its response closes and returns true;
   * once draining, answers it with `refuse` (on a connection marked to close) and returns false.
   */
  admit(request: IncomingMessage, response: ServerResponse, refuse: (response: ServerResponse) => void): boolean;
  /**
   * Stops accepting connections, closes idle ones, waits up to `graceMs` (DEFAULT_SERVER_CLOSE_GRACE_MS)
   * for the requests in flight, runs `beforeCut`, destroys the connections left and resolves once
   * the server is closed. Later calls return the first call's promise; a bad `graceMs` rejects
   * with a NoError 'INVALID_NUMBER' and closes nothing.
   */
  close(options?: HttpDrainCloseOptions): Promise<void>;
}

/**
 * Tracks a node:http server's requests so it can be closed gracefully: `server.close()` alone
 * waits for every keep-alive connection forever, and `closeAllConnections()` alone cuts requests
 * halfway through.
 *
 * @example
 * const drain = httpDrain(server);
 * server.on('request', (req, res) => { if (drain.admit(req, res, (r) => r.writeHead(503).end())) app(req, res); });
 * await drain.close({ graceMs: 5_000 });
 */
export function httpDrain(server: Server): HttpDrain {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const quiet = new Promise<void>((resolve) => (idle = resolve));
  const drain = async (graceMs: number, { beforeCut, signal }: HttpDrainCloseOptions): Promise<void> => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight === 0) idle?.();
    await graceOver(graceMs, quiet, signal);
    await beforeCut?.();
    server.closeAllConnections();
    await closed;
  };
  return {
    get draining() {
      return draining;
    },
    admit(_request, response, refuse) {
      if (draining) {
        response.setHeader('connection', 'close');
        refuse(response);
        return false;
      }
      inFlight++;
      response.once('close', () => {
        if (--inFlight === 0 && draining) idle?.();
        // The connection it leaves idle is not needed any more.
        if (draining) setImmediate(() => server.closeIdleConnections());
      });
      return true;
    },
    close(options = {}) {
      if (closing) return closing;
      const graceMs = options.graceMs ?? DEFAULT_SERVER_CLOSE_GRACE_MS;
      try {
        checkGraceMs(graceMs);
      } catch (error) {
        return Promise.reject(error);
      }
      closing = drain(graceMs, options);
      return closing;
    },
  };
}
