/**
 * The agents of bench/workers.bench.ts, one module for the coordinator and the worker processes:
 * `cpu` hashes `input.rounds` times (the bench sets rounds for ~25 ms on a warm process), `io` waits
 * `input.ms` (a timer, as a network call would).
 */
import { createHash } from 'node:crypto';
import type { AgentDefinition } from '../../src/loop/agents.js';

const hash = (rounds: number): string => {
  let digest = Buffer.alloc(32);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex').slice(0, 8);
};

/** Hash rounds per millisecond on this process, after a warm-up. */
export function roundsPerMs(): number {
  hash(20_000);
  const started = performance.now();
  hash(50_000);
  return 50_000 / (performance.now() - started);
}

export const agents: AgentDefinition[] = [
  { id: 'cpu', capabilities: ['cpu'], maxConcurrency: 16, run: (input) => hash((input as { rounds: number }).rounds) },
  {
    id: 'io',
    capabilities: ['io'],
    maxConcurrency: 32,
    run: (input, ctx) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve('ok'), (input as { ms: number }).ms);
        ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
      }),
  },
];
