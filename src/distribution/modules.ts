/**
 * The one door to bullmq and ioredis, opened on first use. They are optional peers: the root entry
 * never loads them, and `langgraph-no/workers` loads them only when a queue or worker starts, so a
 * missing one is a NoError that says what to install rather than a module-not-found at import.
 */
import type * as BullMQModule from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { NoError } from '../contracts/errors.js';
import { requireNumber } from '../resilience/policy.js';
import { MAX_TIMER_MS } from '../resilience/timeout.js';

export type BullMQ = typeof BullMQModule;
export type { Redis, RedisOptions };
type RedisConstructor = new (url: string | RedisOptions, options?: RedisOptions) => Redis;

/** A Redis URL, or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** `require` where there is one (the CommonJS build, Jest), `import()` in the ESM build. */
function load<T>(specifier: string): Promise<T> {
  /* istanbul ignore next -- the ESM build has no require; Jest always has one */
  return typeof require === 'function' ? Promise.resolve().then(() => require(specifier) as T) : (import(specifier) as Promise<T>);
}

async function optional<T>(specifier: string, install = 'npm install bullmq ioredis'): Promise<T> {
  try {
    return await load<T>(specifier);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new NoError('DEPENDENCY_MISSING', `langgraph-no/workers needs '${specifier}': run ${install}`, {
      details: { module: specifier },
      cause: error,
    });
  }
}

let bullmq: Promise<BullMQ> | undefined;
let ioredis: Promise<RedisConstructor> | undefined;

/** The `pg` module (for a leadership given a connection string rather than a pool). */
export function loadPg<T>(): Promise<T> {
  return optional<T>('pg', 'npm install pg, or pass your own pool');
}

export function loadBullMQ(): Promise<BullMQ> {
  return (bullmq ??= optional<BullMQ>('bullmq'));
}

function loadIORedis(): Promise<RedisConstructor> {
  return (ioredis ??= optional<{ default?: RedisConstructor } & RedisConstructor>('ioredis').then((m) => m.default ?? m));
}

/** How long a queue or worker waits for its first Redis connection before it gives up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Where a connection points, for messages: host and port, never a password. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection !== 'string') return `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
  try {
    const url = new URL(connection);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the given Redis URL';
  }
}

/**
 * A Redis client for BullMQ, once it is connected. BullMQ needs `maxRetriesPerRequest: null` (its
 * blocking reads must wait out a reconnect instead of failing); it duplicates this client for each
 * blocking connection. A Redis that cannot be reached within `connectTimeoutMs` is a NoError
 * 'TIMEOUT' naming where it looked (a wrong URL must not hang the caller while ioredis retries).
 */
export async function redisClient(connection: RedisConnection, onError: (error: Error) => void, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<Redis> {
  requireNumber('connectTimeoutMs', connectTimeoutMs, { min: 1, max: MAX_TIMER_MS, integer: true });
  const IORedis = await loadIORedis();
  const client =
    typeof connection === 'string'
      ? new IORedis(connection, { maxRetriesPerRequest: null })
      : new IORedis({ ...connection, maxRetriesPerRequest: null });
  let lastError: Error | undefined;
  const beforeReady = (error: Error): void => void (lastError = error);
  client.on('error', beforeReady);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        const why = lastError === undefined ? '' : ` (last error: ${lastError.message})`;
        reject(new NoError('TIMEOUT', `could not reach Redis at ${describeConnection(connection)} within ${connectTimeoutMs} ms${why}: start Redis there, or pass the right connection (connection: 'redis://host:port'; --redis for the CLI)`, {
          details: { connectTimeoutMs },
        }));
      }, connectTimeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', onReady);
    });
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    // From here on ioredis reconnects on its own and reports each failed try; without a listener it
    // would crash the process.
    client.on('error', onError);
    client.off('error', beforeReady);
  }
  return client;
}
