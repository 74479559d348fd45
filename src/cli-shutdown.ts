/** SIGTERM and SIGINT for the long-running subcommands: a graceful close, then a cut on a second signal. */

/** The signals a service manager (systemd, Kubernetes, docker stop) or a terminal sends to stop a process. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface ShutdownSignalsOptions {
  /** @default SHUTDOWN_SIGNALS */
  signals?: readonly NodeJS.Signals[];
  /** Told of each signal received (1 for the first): say what happens, e.g. on stderr. */
  onSignal?: (signal: NodeJS.Signals, count: number) => void;
}

export interface ShutdownSignals {
  /** Resolves when `close` has resolved after a signal (never, if no signal comes). */
  readonly closed: Promise<void>;
  /** Stops listening (the server stopped by itself): the signals get Node's default behaviour back. */
  dispose(): void;
}

/**
 * On the first SIGTERM or SIGINT calls `close(graceMs, signal)`: stop taking work and let what
 * runs finish for up to `graceMs`. A second signal aborts `signal`, which cuts the grace short (as
 * `langgraph-no worker` abandons its jobs on a second signal). Pass the signal on to the closes.
 *
 * @example
 * const shutdown = onShutdownSignals((graceMs, signal) => server.close({ graceMs, signal }), 10_000);
 * await shutdown.closed;
 * shutdown.dispose();
 * process.exitCode = 0;
 */
export function onShutdownSignals(
  close: (graceMs: number, signal: AbortSignal) => Promise<void>,
  graceMs: number,
  options: ShutdownSignalsOptions = {},
): ShutdownSignals {
  const signals = options.signals ?? SHUTDOWN_SIGNALS;
  const hurry = new AbortController();
  let count = 0;
  let done!: () => void;
  let failed!: (error: unknown) => void;
  const closed = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    options.onSignal?.(signal, count);
    if (count === 1) void close(graceMs, hurry.signal).then(done, failed);
    else hurry.abort(new Error(`${signal} received again: cutting the grace short`));
  };
  for (const signal of signals) process.on(signal, handler);
  return {
    closed,
    dispose: () => {
      for (const signal of signals) process.off(signal, handler);
    },
  };
}
