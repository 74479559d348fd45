import type { EventEnvelope, ExecutionRequestInput } from '../../src/contracts/index';
import { createMasterAgentLoop, type AgentDefinition, type MasterLoopOptions } from '../../src/loop/index';

export const sleepMs = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    }, { once: true });
  });

/** Resolves once `condition` holds, polling every 5 ms; rejects after `ms`. */
export const until = async (condition: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleepMs(5);
  }
};

let threads = 0;
export const thread = (): { configurable: { thread_id: string } } => ({ configurable: { thread_id: `t-${++threads}` } });

/** An agent whose tasks sleep for `input.ms` and return `id:deps`. */
export function sleeper(id: string, capabilities = ['work'], maxConcurrency = 1, log?: string[]): AgentDefinition {
  return {
    id,
    capabilities,
    maxConcurrency,
    run: async (input, ctx) => {
      log?.push(`start ${ctx.task.id}`);
      await sleepMs((input as { ms?: number } | undefined)?.ms ?? 0, ctx.signal);
      log?.push(`end ${ctx.task.id}`);
      return `${ctx.task.id}(${Object.keys(ctx.dependencies).sort().join(',')})`;
    },
  };
}

export function loopWith(agents: AgentDefinition[], extra: Partial<MasterLoopOptions> = {}) {
  const events: EventEnvelope[] = [];
  const loop = createMasterAgentLoop({ agents, backoff: { initialDelayMs: 1, maxDelayMs: 5 }, ...extra });
  loop.onEvent((e) => events.push(e));
  return { loop, events };
}

export const request = (tasks: ExecutionRequestInput['tasks'], rest: Partial<ExecutionRequestInput> = {}): { request: ExecutionRequestInput } => ({
  request: { tasks, ...rest },
});

export const typesOf = (events: EventEnvelope[], taskId?: string): string[] =>
  events.filter((e) => taskId === undefined || (e.data as { taskId?: string }).taskId === taskId).map((e) => e.type);

/** Resolves to the NoError code a promise rejected with (fails the test if it resolved or threw something else). */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof Error && typeof code === 'string') return code;
    throw error;
  }
  throw new Error('expected a rejection');
}
