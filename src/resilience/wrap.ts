import { invoke, neverAbortedSignal, type Policy, type PolicyContext } from './policy.js';

/**
 * Composes policies, outermost first (as cockatiel's `wrap`): `wrap(retry(), breaker, timeout(5000))`
 * retries calls that each go through the breaker and each get their own 5 s limit. Every layer gets
 * the signal of the layer outside it, so an outer abort or time-out reaches the function. The
 * function's `attempt` counts its own calls within this execution, however many retries are nested.
 *
 * @example
 * const agentPolicy = wrap(retry({ maxAttempts: 3 }), circuitBreaker(), timeout(30_000));
 * await agentPolicy.execute(({ signal, attempt }) => agent.run(task, { signal, attempt }), runSignal);
 */
export function wrap(...policies: Policy[]): Policy {
  return {
    execute<T>(fn: (ctx: PolicyContext) => Promise<T>, signal?: AbortSignal): Promise<T> {
      let calls = 0;
      const layer = (index: number, outer: AbortSignal | undefined): Promise<T> => {
        const policy = policies[index];
        if (policy === undefined) {
          calls++;
          return invoke(fn, { signal: outer ?? neverAbortedSignal(), attempt: calls });
        }
        return policy.execute((ctx) => layer(index + 1, ctx.signal), outer);
      };
      return layer(0, signal);
    },
  };
}
