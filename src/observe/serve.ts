import type { Readiness, ReadinessOptions } from '../loop/readiness.js';
import { sendJson, startObservabilityServer, type ObservabilityServer, type ObservabilityServerOptions, type Route } from './server.js';

/** Anything with a readiness check: a master loop, or your own component. */
export interface ReadinessSource {
  readiness(options?: ReadinessOptions): Promise<Readiness>;
}

export interface ServeObservabilityOptions extends ObservabilityServerOptions {
  /**
   * What `/readyz` checks: every loop (or other source) must be ready. An array, or names to say
   * which one is not ready in the reasons.
   * @default [] (ready while the process is up)
   */
  loops?: readonly ReadinessSource[] | Readonly<Record<string, ReadinessSource>>;
  /** Per readiness check. @default DEFAULT_READINESS_TIMEOUT_MS */
  readinessTimeoutMs?: number;
}

/** All sources, checked at once; a source that throws counts as not ready, with its error as the reason. */
async function readinessOf(options: Pick<ServeObservabilityOptions, 'loops' | 'readinessTimeoutMs'>): Promise<Readiness> {
  const loops = options.loops ?? [];
  const named: Array<[string, ReadinessSource]> = Array.isArray(loops)
    ? loops.map((loop, i) => [loops.length === 1 ? '' : `loop ${i}`, loop])
    : Object.entries(loops as Record<string, ReadinessSource>);
  const checks = await Promise.all(
    named.map(async ([name, loop]) => {
      const prefix = name === '' ? '' : `${name}: `;
      try {
        const { reasons } = await loop.readiness(options.readinessTimeoutMs === undefined ? {} : { timeoutMs: options.readinessTimeoutMs });
        return reasons.map((r) => prefix + r);
      } catch (error) {
        return [`${prefix}readiness check failed: ${error instanceof Error ? error.message : String(error)}`];
      }
    }),
  );
  const reasons = checks.flat();
  return { ready: reasons.length === 0, reasons };
}

/**
 * Serves what an operator points at a process running loops, on a small read-only node:http server
 * bound to 127.0.0.1 by default:
 * - `/metrics`: the Prometheus text format (pass `metrics`);
 * - `/healthz`: 200 while the process answers;
 * - `/readyz`: 200 when every loop is ready (checkpointer and Store reachable, a healthy agent for
 *   every capability), else 503 with the reasons, as JSON.
 *
 * @example
 * const metrics = await createPrometheusMetrics();
 * const server = await serveObservability({ metrics, loops: { orders: loop }, port: 9464 });
 * // later: await server.close(); await metrics.shutdown();
 */
export function serveObservability(options: ServeObservabilityOptions = {}): Promise<ObservabilityServer> {
  return startObservabilityServer(options, healthRoutes(options));
}

/** `/healthz` and `/readyz` over the given sources, for any of the package's servers. */
export function healthRoutes(options: Pick<ServeObservabilityOptions, 'loops' | 'readinessTimeoutMs'>): Record<string, Route> {
  return {
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      const readiness = await readinessOf(options);
      sendJson(res, readiness.ready ? 200 : 503, readiness);
    },
  };
}
