import type { RunLease, RunLeadership } from '../contracts/distribution.js';
import { NoError } from '../contracts/errors.js';
import { loadPg } from './modules.js';

/** The little of a `pg` client the lease needs. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  release(error?: Error | boolean): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/** The little of a `pg` Pool the lease needs (a `pg.Pool`, or anything with its `connect`). */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  end?(): Promise<void>;
}

export interface PostgresLeadershipOptions {
  /** A pg Pool (e.g. the one behind your PostgresSaver); each coordinated thread holds one of its connections. */
  pool?: PgPoolLike;
  /** Or a connection string: the leadership opens a pool of its own (needs `pg` installed); `close()` ends it. */
  connectionString?: string;
  /**
   * Receives the error when a held lease's connection is lost (Postgres restarted, the session was
   * ended): the lock went with it, so another process may now coordinate the thread.
   * @default process.emitWarning
   */
  onError?: (error: Error) => void;
}

export interface PostgresLeadership extends RunLeadership {
  /** Ends the pool the leadership opened itself (a `pool` you passed stays open). */
  close(): Promise<void>;
}

/** Advisory lock keys are one 64-bit space per database: the thread id is hashed under the package's name. */
const LOCK_KEY = "hashtextextended('langgraph-no:thread:' || $1, 0)";

/**
 * Leadership of a run on PostgreSQL's session-level advisory locks: a coordinator pass holds
 * `pg_try_advisory_lock` on its thread on one pooled connection, and unlocks when the pass ends.
 * When the process dies, its connection closes and Postgres releases the lock, so another process
 * can resume the thread at once; a second coordinator while the first is alive gets a NoError
 * 'RUN_LOCKED'. No consensus of our own: Postgres already orders the lock.
 *
 * @example
 * const leadership = postgresLeadership({ connectionString: process.env.DATABASE_URL });
 * const loop = createMasterAgentLoop({ agents, checkpointer, distribution, leadership });
 */
export function postgresLeadership(options: PostgresLeadershipOptions): PostgresLeadership {
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new NoError('INVALID_REQUEST', 'postgresLeadership needs exactly one of pool (a pg Pool) or connectionString', {
      details: { pool: options.pool !== undefined, connectionString: options.connectionString !== undefined },
    });
  }
  const onError = options.onError ?? ((error: Error) => process.emitWarning(error));
  let own: Promise<PgPoolLike> | undefined;
  const poolOf = (): Promise<PgPoolLike> => {
    if (options.pool) return Promise.resolve(options.pool);
    return (own ??= loadPg<{ Pool: new (config: { connectionString: string }) => PgPoolLike }>().then((pg) => new pg.Pool({ connectionString: options.connectionString! })));
  };

  return {
    async acquire(threadId: string, signal?: AbortSignal): Promise<RunLease> {
      if (signal?.aborted) throw new NoError('ABORTED', 'leadership not acquired: the run was cancelled', { cause: signal.reason });
      const client = await (await poolOf()).connect();
      let locked = false;
      try {
        const { rows } = await client.query(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`, [threadId]);
        locked = rows[0]?.['locked'] === true;
      } finally {
        if (!locked) client.release();
      }
      if (!locked) {
        throw new NoError('RUN_LOCKED', `thread '${threadId}' is being coordinated by another process; invoke it again once that run has ended`, {
          details: { threadId },
        });
      }
      let released = false;
      // A held client is outside the pool's care: without a listener, losing its connection would
      // crash the process with an unhandled 'error'.
      let lost = false;
      const onLost = (error: Error): void => {
        if (released || lost) return;
        lost = true;
        onError(new NoError('RUN_LOCKED', `the lease on thread '${threadId}' was lost with its connection: ${error.message}`, { details: { threadId }, cause: error }));
      };
      client.on?.('error', onLost);
      return {
        async release(): Promise<void> {
          if (released) return;
          released = true;
          client.off?.('error', onLost);
          try {
            await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [threadId]);
            client.release();
          } catch (error) {
            // Destroying the connection ends its session, which releases the lock as surely.
            client.release(error instanceof Error ? error : true);
          }
        },
      };
    },
    async close(): Promise<void> {
      const pool = await own?.catch(() => undefined);
      own = undefined;
      await pool?.end?.();
    },
  };
}
