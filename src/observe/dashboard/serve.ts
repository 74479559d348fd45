import type { IncomingMessage } from 'node:http';
import { NoError } from '../../contracts/errors.js';
import { watchAlerts, type AlertThresholds, type AlertWatcher } from '../alerts.js';
import { healthRoutes, type ReadinessSource } from '../serve.js';
import { sendJson, startObservabilityServer, type ObservabilityServer, type ObservabilityServerOptions, type Route } from '../server.js';
import { DASHBOARD_JS } from './client.js';
import { browserSignIn } from './sign-in.js';
import { listCheckpoints, stateAt, type HistorySource } from './history.js';
import type { RunView } from './runs.js';
import { createDashboardHub, type DashboardHub, type DashboardLoop, type DashboardNetwork, type DashboardToolLayer } from './hub.js';
import { DASHBOARD_CSS, DASHBOARD_HTML } from './page.js';

/** @default 9465 (next to the Prometheus exporter's 9464) */
export const DEFAULT_DASHBOARD_PORT = 9465;
/** Browsers watching at once; one more gets 503. @default 32 */
export const DEFAULT_MAX_VIEWERS = 32;
/** Change notifications per viewer are at most this often (ms). @default 250 */
export const DASHBOARD_PUSH_INTERVAL_MS = 250;
/** Tasks of one run sent to the page (the first, in plan order); counts cover them all. @default 3000 */
export const MAX_TASKS_SERVED = 3_000;
/** An SSE comment this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/** A loop the dashboard watches; a master loop (its compiled graph) also gives its runs' history. */
export type WatchedDashboardLoop = DashboardLoop & Partial<HistorySource>;

export interface ServeDashboardOptions extends ObservabilityServerOptions {
  /** The loops to watch: by name, or an array (named `loop 1`, `loop 2`, ...). */
  loops: readonly WatchedDashboardLoop[] | Readonly<Record<string, WatchedDashboardLoop>>;
  /** Agent networks whose throughput, latency, queue and partitions to show. */
  networks?: readonly DashboardNetwork[];
  /** Tool layers whose calls, error rate and p95 latency per tool to show. */
  toolLayers?: readonly DashboardToolLayer[];
  /** Your alert watcher, or thresholds for one the dashboard starts over the same loops and networks. @default DEFAULT_ALERT_THRESHOLDS */
  alerts?: AlertWatcher | AlertThresholds;
  /** @default DEFAULT_MAX_RUNS */
  maxRuns?: number;
  /** @default DEFAULT_MAX_EVENTS_PER_RUN */
  maxEventsPerRun?: number;
  /** @default DEFAULT_MAX_VIEWERS */
  maxViewers?: number;
}

export interface DashboardServer extends ObservabilityServer {
  readonly hub: DashboardHub;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

function asset(type: string, body: string): Route {
  const bytes = Buffer.from(body, 'utf8');
  return (request, response) => {
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': `${type}; charset=utf-8`, 'content-length': bytes.length });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };
}

const query = (request: IncomingMessage): URLSearchParams => new URL(request.url ?? '/', 'http://dashboard').searchParams;

function isAlertWatcher(value: ServeDashboardOptions['alerts']): value is AlertWatcher {
  return typeof (value as AlertWatcher | undefined)?.onAlert === 'function';
}

function namedLoops(loops: ServeDashboardOptions['loops']): Record<string, WatchedDashboardLoop> {
  const named = Array.isArray(loops)
    ? Object.fromEntries((loops as readonly WatchedDashboardLoop[]).map((loop, i) => [loops.length === 1 ? 'loop' : `loop ${i + 1}`, loop]))
    : { ...(loops as Record<string, WatchedDashboardLoop>) };
  for (const [name, loop] of Object.entries(named)) {
    if (typeof loop?.onEvent !== 'function' || typeof loop.pool?.ids !== 'function') {
      throw new NoError('INVALID_REQUEST', `loops.${name} is not a master loop: pass what createMasterAgentLoop (or addMasterLoop) returned`, { details: { loop: name } });
    }
  }
  if (Object.keys(named).length === 0) {
    throw new NoError('INVALID_REQUEST', 'serveDashboard needs at least one loop: serveDashboard({ loops: { orders: loop } })', { details: {} });
  }
  return named;
}

function readinessSources(loops: Record<string, WatchedDashboardLoop>): Record<string, ReadinessSource> {
  const sources: Record<string, ReadinessSource> = {};
  for (const [name, loop] of Object.entries(loops)) if (loop.readiness) sources[name] = { readiness: loop.readiness.bind(loop) };
  return sources;
}

/** Server-sent events: one `change` event per viewer at most every DASHBOARD_PUSH_INTERVAL_MS. */
function eventsRoute(hub: DashboardHub, maxViewers: number): Route {
  let viewers = 0;
  return (request, response) => {
    if (viewers >= maxViewers) {
      response.setHeader('retry-after', '5');
      return sendJson(response, 503, { error: `${maxViewers} viewers are watching already: close one, or raise maxViewers` });
    }
    viewers++;
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    response.write('retry: 1000\n\n');
    let version = 0;
    let sent = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const push = (): void => {
      timer = undefined;
      sent = Date.now();
      response.write(`event: change\ndata: ${++version}\n\n`);
    };
    const off = hub.onChange(() => {
      if (timer) return;
      timer = setTimeout(push, Math.max(0, sent + DASHBOARD_PUSH_INTERVAL_MS - Date.now()));
    });
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    request.on('close', () => {
      viewers--;
      off();
      clearTimeout(timer);
      clearInterval(keepalive);
    });
  };
}

/** A run's view with at most MAX_TASKS_SERVED tasks (in plan order), so a huge run stays cheap to watch. */
function servedView(run: RunView): RunView & { tasksOmitted: number } {
  if (run.order.length <= MAX_TASKS_SERVED) return { ...run, tasksOmitted: 0 };
  const order = run.order.slice(0, MAX_TASKS_SERVED);
  return { ...run, order, tasksById: Object.fromEntries(order.map((id) => [id, run.tasksById[id]!])), tasksOmitted: run.order.length - MAX_TASKS_SERVED };
}

function historyRoute(hub: DashboardHub, loops: Record<string, WatchedDashboardLoop>): Route {
  return async (request, response) => {
    const params = query(request);
    const runId = params.get('run') ?? '';
    const run = hub.run(runId);
    if (!run) return sendJson(response, 404, { error: `no run ${runId} on this dashboard: pick one from /api/runs` });
    const source = loops[run.loop];
    if (!run.threadId || typeof source?.getStateHistory !== 'function' || typeof source.getState !== 'function') {
      return sendJson(response, 404, { error: `run ${runId} has no readable history: time travel needs a loop from createMasterAgentLoop (it has the checkpointer)` });
    }
    const history = source as HistorySource;
    const checkpoint = params.get('checkpoint');
    if (checkpoint === null) return sendJson(response, 200, { runId, threadId: run.threadId, checkpoints: await listCheckpoints(history, run.threadId) });
    try {
      return sendJson(response, 200, await stateAt(history, run.threadId, checkpoint));
    } catch (error) {
      return sendJson(response, 404, { error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * Serves a live dashboard of the given loops: runs (a timeline per run with a bar per attempt, the
 * plan's DAG with its critical path, and time travel through the run's checkpoints), the agent pool,
 * tool layers, the network and alerts. The page and its script ship in the package and update over
 * server-sent events. Read-only: it serves GET only, binds 127.0.0.1 by default, and needs a `token`
 * anywhere else (API clients send it as a bearer header; a browser signs in once at `/login` and
 * keeps an HttpOnly session cookie). `/api/metrics` answers the seed's NoDashboardMetrics; `/healthz`, `/readyz` and
 * (with `metrics`) `/metrics` are served too.
 *
 * @example
 * const dashboard = await serveDashboard({ loops: { orders: loop } });
 * console.log(`open ${dashboard.url}`);
 * // later: await dashboard.close();
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<DashboardServer> {
  const loops = namedLoops(options.loops);
  const ownAlerts = isAlertWatcher(options.alerts) ? undefined : watchAlerts({ loops: Object.values(loops), networks: options.networks ?? [], thresholds: options.alerts ?? {} });
  const alerts = isAlertWatcher(options.alerts) ? options.alerts : ownAlerts!;
  const hub = createDashboardHub({
    loops, alerts, networks: options.networks ?? [], toolLayers: options.toolLayers ?? [],
    ...(options.maxRuns === undefined ? {} : { maxRuns: options.maxRuns }),
    ...(options.maxEventsPerRun === undefined ? {} : { maxEventsPerRun: options.maxEventsPerRun }),
  });
  const page = asset('text/html', DASHBOARD_HTML);
  let server: ObservabilityServer;
  try {
    server = await startObservabilityServer({ ...options, port: options.port ?? DEFAULT_DASHBOARD_PORT }, {
      '/': page,
      '/index.html': page,
      '/app.js': asset('text/javascript', DASHBOARD_JS),
      '/app.css': asset('text/css', DASHBOARD_CSS),
      '/api/metrics': async (_req, res) => sendJson(res, 200, await hub.metrics()),
      '/api/runs': (_req, res) => sendJson(res, 200, { runs: hub.runs() }),
      '/api/run': (req, res) => {
        const id = query(req).get('id') ?? '';
        const run = hub.run(id);
        return run ? sendJson(res, 200, { now: Date.now(), run: servedView(run) }) : sendJson(res, 404, { error: `no run ${id} on this dashboard: pick one from /api/runs` });
      },
      '/api/history': historyRoute(hub, loops),
      '/api/alerts': (_req, res) => sendJson(res, 200, hub.alerts()),
      '/events': eventsRoute(hub, options.maxViewers ?? DEFAULT_MAX_VIEWERS),
      ...healthRoutes({ loops: readinessSources(loops) }),
    }, options.token === undefined ? {} : browserSignIn(options.token));
  } catch (error) {
    hub.close();
    ownAlerts?.close();
    throw error;
  }
  return {
    ...server,
    hub,
    async close() {
      hub.close();
      ownAlerts?.close();
      await server.close();
    },
  };
}
