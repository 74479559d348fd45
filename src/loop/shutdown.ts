import { NoError } from '../contracts/errors.js';
import { checkGraceMs, graceOver } from '../resilience/index.js';

/**
 * How long `close()` lets the tasks already running finish before it aborts them. @default 10_000
 *
 * Below Kubernetes' default 30 s termination grace, with room for the servers' own grace and the
 * final checkpoint writes; a task cut at the end of it is not lost, it runs again on resume.
 */
export const DEFAULT_LOOP_CLOSE_GRACE_MS = 10_000;

export interface LoopCloseOptions {
  /**
   * How long running tasks may take to finish (their outcomes are stored as usual); those still
   * running then are aborted and stored as nothing, so a later invoke of their thread runs them again.
   * @default DEFAULT_LOOP_CLOSE_GRACE_MS
   */
  graceMs?: number;
  /** Aborting it ends the grace at once (a second SIGTERM, an impatient supervisor). */
  signal?: AbortSignal;
}

/** What a run of a closing loop is refused or stopped with. */
export function loopClosedError(detail: string): NoError {
  return new NoError(
    'LOOP_CLOSED',
    `${detail}: this loop was closed (close() was called) and takes no new runs. Start runs on a new loop over the same ` +
      'checkpointer; invoke an interrupted thread there with null to resume it (its finished tasks are not run again)',
    { details: {} },
  );
}

/**
 * The loop's side of a graceful shutdown, shared by its runs: which runs are in flight, and two
 * signals its coordinator passes watch. `draining` aborts when `close()` begins: passes start no
 * new task and refuse nothing already running. `stopped` aborts when the grace is over: passes
 * abort their agents and store none of their outcomes, as when LangGraph's own signal aborts.
 */
export interface LoopShutdown {
  readonly draining: AbortSignal;
  readonly stopped: AbortSignal;
  /**
   * Counts a run as in flight until the returned function is called or `signal` (the run's own)
   * aborts: a run LangGraph aborted stores nothing more. Throws LOOP_CLOSED once `close()` began.
   */
  begin(signal?: AbortSignal): () => void;
  /** Begins the shutdown (once; later calls return the same promise) and resolves when no run is in flight. */
  close(options?: LoopCloseOptions): Promise<void>;
}

export function createLoopShutdown(): LoopShutdown {
  const draining = new AbortController();
  const stopped = new AbortController();
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  const whenIdle = (): Promise<void> => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve)));

  const drain = async (graceMs: number, signal: AbortSignal | undefined): Promise<void> => {
    draining.abort(loopClosedError('the loop is closing'));
    const settled = whenIdle();
    await graceOver(graceMs, settled, signal);
    if (inFlight > 0) stopped.abort(loopClosedError(`the run was still in flight when the close grace (${graceMs} ms) ended`));
    await settled;
  };

  return {
    draining: draining.signal,
    stopped: stopped.signal,
    begin(signal) {
      if (draining.signal.aborted) throw loopClosedError('this run was refused');
      inFlight++;
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        signal?.removeEventListener('abort', end);
        if (--inFlight === 0) idle?.();
      };
      signal?.addEventListener('abort', end, { once: true });
      if (signal?.aborted) end();
      return end;
    },
    close(options = {}) {
      if (closing) return closing;
      const graceMs = options.graceMs ?? DEFAULT_LOOP_CLOSE_GRACE_MS;
      try {
        checkGraceMs(graceMs);
      } catch (error) {
        return Promise.reject(error);
      }
      closing = drain(graceMs, options.signal);
      return closing;
    },
  };
}
