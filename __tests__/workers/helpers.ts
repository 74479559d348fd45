import { existsSync, readFileSync } from 'node:fs';
import type { LogLine } from './fixtures/agents';

export const REDIS_URL = process.env['NO_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const PG_URL = process.env['NO_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A queue prefix no other test (or earlier run) uses. */
export const uniquePrefix = (name: string): string => `no-test-${name}-${process.pid}-${Date.now().toString(36)}`;

export function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine);
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000, everyMs = 10): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** How many times each idempotency key has a line of the kind. */
export function countBy(lines: LogLine[], ev: LogLine['ev']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of lines) if (l.ev === ev) counts.set(l.key, (counts.get(l.key) ?? 0) + 1);
  return counts;
}

/** A layered DAG: `width` tasks per layer, each depending on every task of the layer before. */
export function layeredTasks(layers: number, width: number, ms: number, capability = 'work') {
  const tasks: Array<{ id: string; capability: string; input: { ms: number }; dependsOn: string[] }> = [];
  for (let l = 0; l < layers; l++) {
    for (let w = 0; w < width; w++) {
      tasks.push({ id: `l${l}w${w}`, capability, input: { ms }, dependsOn: l === 0 ? [] : Array.from({ length: width }, (_, i) => `l${l - 1}w${i}`) });
    }
  }
  return tasks;
}

/** The value each task of layeredTasks must return (see valueOf in fixtures/agents). */
export function expectedValues(layers: number, width: number): Record<string, number> {
  const out: Record<string, number> = {};
  let previous = 0;
  for (let l = 0; l < layers; l++) {
    const value = 1 + width * previous * (l === 0 ? 0 : 1);
    for (let w = 0; w < width; w++) out[`l${l}w${w}`] = value;
    previous = value;
  }
  return out;
}

/** Deletes every key of a queue prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const IORedis = require('ioredis') as new (url: string) => {
    scan(cursor: string, ...args: Array<string | number>): Promise<[string, string[]]>;
    del(...keys: string[]): Promise<number>;
    quit(): Promise<unknown>;
  };
  const redis = new IORedis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
