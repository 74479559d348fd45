import { startObservabilityServer, type ObservabilityServer, type ObservabilityServerOptions } from './server.js';

export type ServeObservabilityOptions = ObservabilityServerOptions;

/**
 * Serves `/metrics` for Prometheus on a small node:http server bound to 127.0.0.1 by default.
 *
 * @example
 * const metrics = await createPrometheusMetrics();
 * const server = await serveObservability({ metrics, port: 9464 });
 * // later: await server.close(); await metrics.shutdown();
 */
export function serveObservability(options: ServeObservabilityOptions = {}): Promise<ObservabilityServer> {
  return startObservabilityServer(options);
}
