import { createAgentNetwork, type AgentNetworkOptions } from '../../src/network/network';
import { createAgentRegistry, type AgentRegistry } from '../../src/network/registry';
import type { AgentNetwork } from '../../src/network/types';
import type { NoError } from '../../src/contracts/errors';

/** A manual clock. */
export function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** A registry with the agents registered, and a network on it. */
export function setup(
  ids: string[],
  options: Omit<AgentNetworkOptions, 'registry'> & { registry?: AgentRegistry } = {},
): { registry: AgentRegistry; network: AgentNetwork } {
  const registry = options.registry ?? createAgentRegistry({ now: options.now });
  for (const id of ids) registry.register({ id });
  const network = createAgentNetwork({ ...options, registry });
  return { registry, network };
}

export async function rejection(promise: Promise<unknown>): Promise<NoError> {
  try {
    await promise;
  } catch (error) {
    return error as NoError;
  }
  throw new Error('expected a rejection');
}

/** Lets pending promise callbacks run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A promise with its resolver. */
export function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
