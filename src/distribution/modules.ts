/**
 * The one door to bullmq and ioredis, opened on first use. They are optional peers: the root entry
 * never loads them, and `langgraph-no/workers` loads them only when a queue or worker starts, so a
 * missing one is a NoError that says what to install rather than a module-not-found at import.
 */
import type * as BullMQModule from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { NoError } from '../contracts/errors.js';

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

/**
 * A Redis client for BullMQ. BullMQ needs `maxRetriesPerRequest: null` (its blocking reads must wait
 * out a reconnect instead of failing); it duplicates this client for each blocking connection.
 */
export async function redisClient(connection: RedisConnection, onError: (error: Error) => void): Promise<Redis> {
  const IORedis = await loadIORedis();
  const client =
    typeof connection === 'string'
      ? new IORedis(connection, { maxRetriesPerRequest: null })
      : new IORedis({ ...connection, maxRetriesPerRequest: null });
  // ioredis reconnects on its own and reports each failed try here; without a listener it would crash the process.
  client.on('error', onError);
  return client;
}
