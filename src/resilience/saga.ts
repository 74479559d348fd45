import { NoError, toError } from '../contracts/errors.js';
import { neverAbortedSignal } from './policy.js';

export interface SagaStep<C> {
  name: string;
  execute(ctx: C, signal: AbortSignal): Promise<void>;
  /** Undoes `execute`; runs only if `execute` completed and a later step failed. */
  compensate?(ctx: C, signal: AbortSignal): Promise<void>;
}

export interface SagaResult {
  ok: boolean;
  /** The step whose `execute` failed. */
  failedStep?: string;
  error?: Error;
  /** Steps whose compensation succeeded, in the order it ran (reverse of execution). */
  compensated: string[];
  compensationErrors: Array<{ step: string; error: Error }>;
}

export interface SagaRunOptions extends CompensateOptions {
  /**
   * Signal for the compensations. It is deliberately not the run's signal: a cancelled run still
   * has to undo what it did. @default a signal that never aborts
   */
  compensationSignal?: AbortSignal;
}

/** How one compensation ended: `error` is set when it failed or was not started (aborted). */
export interface CompensationOutcome {
  name: string;
  ok: boolean;
  error?: Error;
}

export interface CompensateOptions {
  /**
   * Called as each compensation ends, before the next one starts, so events and audit records follow
   * the undo as it happens rather than after all of it. It is called synchronously; an error it
   * throws ends the compensation there, as `onRetry` does for `retry`, so keep it to recording.
   */
  onCompensation?: (outcome: CompensationOutcome) => void;
}

export interface Compensation {
  name: string;
  compensate: (signal: AbortSignal) => Promise<void>;
}

export interface CompensationReport {
  /** Names whose compensation succeeded, in the order they ran. */
  compensated: string[];
  errors: Array<{ name: string; error: Error }>;
}

/**
 * Runs compensations for completed work, given in the order it completed: last completed first. The
 * work need not have run through `saga` (the loop's tasks run in its coordinator). A failing
 * compensation is recorded and the others still run, since each one undoes an independent effect.
 * Once `signal` aborts the remaining ones are not started and are recorded as `NoError('ABORTED')`,
 * so nothing is left out silently.
 *
 * @example
 * const { compensated, errors } = await compensateInReverse(
 *   finished.map((t) => ({ name: t.id, compensate: (signal) => t.undo(signal) })),
 *   undefined,
 *   { onCompensation: ({ name, ok }) => log(`undo ${name}: ${ok ? 'done' : 'failed'}`) },
 * );
 */
export async function compensateInReverse(
  done: ReadonlyArray<Compensation>,
  signal: AbortSignal = neverAbortedSignal(),
  options: CompensateOptions = {},
): Promise<CompensationReport> {
  const report: CompensationReport = { compensated: [], errors: [] };
  const ended = (name: string, error?: Error): void => {
    if (error === undefined) report.compensated.push(name);
    else report.errors.push({ name, error });
    options.onCompensation?.(error === undefined ? { name, ok: true } : { name, ok: false, error });
  };
  for (const { name, compensate } of [...done].reverse()) {
    if (signal.aborted) {
      ended(name, new NoError('ABORTED', `compensation of ${name} not run: aborted`, { cause: signal.reason }));
      continue;
    }
    let error: Error | undefined;
    try {
      await compensate(signal);
    } catch (caught) {
      error = toError(caught);
    }
    ended(name, error);
  }
  return report;
}

/**
 * A saga: steps run in order; if one fails (or the signal aborts before the next starts), the
 * completed steps are compensated in reverse order. The result never throws; it says what failed
 * and what was undone.
 *
 * @example
 * const booking = saga<Trip>([
 *   { name: 'flight', execute: (t, s) => bookFlight(t, s), compensate: (t, s) => cancelFlight(t, s) },
 *   { name: 'hotel', execute: (t, s) => bookHotel(t, s), compensate: (t, s) => cancelHotel(t, s) },
 * ]);
 * const result = await booking.run(trip, runSignal);
 */
export function saga<C>(steps: ReadonlyArray<SagaStep<C>>): {
  run(ctx: C, signal?: AbortSignal, options?: SagaRunOptions): Promise<SagaResult>;
} {
  return {
    async run(ctx, signal = neverAbortedSignal(), options = {}) {
      const done: Compensation[] = [];
      for (const step of steps) {
        try {
          if (signal.aborted) {
            throw new NoError('ABORTED', `saga aborted before ${step.name}`, { cause: signal.reason });
          }
          await step.execute(ctx, signal);
        } catch (error) {
          const report = await compensateInReverse(done, options.compensationSignal, options);
          return {
            ok: false,
            failedStep: step.name,
            error: toError(error),
            compensated: report.compensated,
            compensationErrors: report.errors.map(({ name, error: e }) => ({ step: name, error: e })),
          };
        }
        const { compensate } = step;
        if (compensate) done.push({ name: step.name, compensate: (s) => compensate.call(step, ctx, s) });
      }
      return { ok: true, compensated: [], compensationErrors: [] };
    },
  };
}
