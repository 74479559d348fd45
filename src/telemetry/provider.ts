import { metrics, type MeterProvider } from '@opentelemetry/api';

let own: MeterProvider | undefined;

/**
 * Hands the package a MeterProvider of its own, without registering it globally: the package's
 * instruments record to it, and the application's global provider (its own OpenTelemetry SDK, or
 * none) stays as it was. Returns a function that puts back the provider used before.
 *
 * @example
 * const restore = useMeterProvider(new MeterProvider({ readers: [reader] }));
 * // ... runs record to `reader` ...
 * restore();
 */
export function useMeterProvider(provider: MeterProvider | undefined): () => void {
  const before = own;
  own = provider;
  return () => {
    if (own === provider) own = before;
  };
}

/**
 * The provider the package records to: one handed over with {@link useMeterProvider}, else the
 * global one (a no-op until the application registers an SDK).
 */
export function noMeterProvider(): MeterProvider {
  return own ?? metrics.getMeterProvider();
}
