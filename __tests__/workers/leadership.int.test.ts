/** postgresLeadership on the machine's Postgres: one holder per thread, released on end or on a lost connection. */
import { postgresLeadership, type PgPoolLike } from '../../src/distribution/index';
import { PG_URL, waitFor } from './helpers';

const { Pool } = require('pg') as { Pool: new (config: { connectionString: string; max?: number }) => PgPoolLike & { end(): Promise<void>; query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }> } };
const thread = (name: string): string => `lead-${name}-${process.pid}-${Date.now().toString(36)}`;

describe('postgresLeadership', () => {
  it('leases a thread to one holder at a time: a second gets RUN_LOCKED until the first releases', async () => {
    const a = postgresLeadership({ connectionString: PG_URL });
    const b = postgresLeadership({ connectionString: PG_URL });
    const id = thread('one');
    try {
      const lease = await a.acquire(id);
      await expect(b.acquire(id)).rejects.toMatchObject({ code: 'RUN_LOCKED', details: { threadId: id }, message: expect.stringContaining('coordinated by another process') });
      // Another thread is free meanwhile.
      await (await b.acquire(thread('other'))).release();
      await lease.release();
      await lease.release();
      await (await b.acquire(id)).release();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('loses the lease with its connection, as when the process dies', async () => {
    const pool = new Pool({ connectionString: PG_URL, max: 2 });
    const admin = new Pool({ connectionString: PG_URL, max: 1 });
    const id = thread('dies');
    const lost: Error[] = [];
    const holder = postgresLeadership({ pool, onError: (e) => lost.push(e) });
    const other = postgresLeadership({ connectionString: PG_URL });
    try {
      const lease = await holder.acquire(id);
      await expect(other.acquire(id)).rejects.toMatchObject({ code: 'RUN_LOCKED' });
      // Ends the holder's session from outside: Postgres drops the session's advisory locks.
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
        AND objid = (hashtextextended('langgraph-no:thread:${id}', 0) & 4294967295)::oid`);
      await waitFor('the lease lost', () => (lost.length > 0 ? true : undefined), 5_000);
      await (await other.acquire(id)).release();
      expect(lost).toEqual([expect.objectContaining({ code: 'RUN_LOCKED', message: expect.stringContaining('was lost with its connection') })]);
      // Releasing on the dead connection does not throw (the connection is destroyed instead).
      await expect(lease.release()).resolves.toBeUndefined();
    } finally {
      await other.close();
      await holder.close();
      await pool.end();
      await admin.end();
    }
  });

  it('refuses to start without exactly one of pool or connectionString, and on a signal already aborted', async () => {
    expect(() => postgresLeadership({})).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    expect(() => postgresLeadership({ pool: {} as PgPoolLike, connectionString: PG_URL })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    const leadership = postgresLeadership({ connectionString: PG_URL });
    const controller = new AbortController();
    controller.abort();
    await expect(leadership.acquire('x', controller.signal)).rejects.toMatchObject({ code: 'ABORTED' });
    await leadership.close();
  });
});
