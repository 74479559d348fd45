/**
 * Postgres statements per task: what a run costs the Postgres that holds its checkpoints
 * (PostgresSaver), and with `postgresLeadership` its coordinator lease. Workers add nothing here:
 * they talk to Redis only (see bench/workers.bench.ts for Redis commands per task), and the
 * coordinator stores each result exactly as it does for an agent run in process.
 *
 * The workload: N no-op tasks in a layered DAG (100 wide, 3 dependencies each), one agent with 16
 * slots. Every statement the run sends is counted at the driver (`pg.Client.prototype.query`, which
 * pooled queries and transactions both go through), with BEGIN counted separately as transactions.
 * Run with `npx tsx bench/postgres-per-task.bench.ts` (needs the Postgres on 127.0.0.1:5432,
 * database `test`). Prints a table, then one JSON line.
 */
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import { postgresLeadership } from '../src/distribution/leadership.js';
import { printTable, round } from './lib/loop-bench.js';

const CONN = process.env['POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_pg_${process.pid}`;

interface PgClient { connect(): Promise<void>; query(...args: unknown[]): unknown; end(): Promise<void> }
// pg has no bundled types; the shape used here is small.
const { Client } = require('pg') as { Client: (new (options: { connectionString: string }) => PgClient) & { prototype: PgClient } };

const counted = { statements: 0, transactions: 0 };
const query = Client.prototype.query;
Client.prototype.query = function counting(this: PgClient, ...args: unknown[]): unknown {
  counted.statements++;
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
  if (typeof text === 'string' && /^\s*BEGIN/i.test(text)) counted.transactions++;
  return query.apply(this, args);
};

function layeredTasks(n: number): Array<{ id: string; dependsOn: string[] }> {
  return Array.from({ length: n }, (_, i) => {
    const layer = Math.floor(i / 100);
    return { id: `t${i}`, dependsOn: layer === 0 ? [] : [0, 1, 2].map((k) => `t${(layer - 1) * 100 + ((i + k * 7) % 100)}`) };
  });
}

interface Row { tasks: number; leadership: boolean; statements: number; transactions: number; perTask: number; txPerTask: number; ms: number }

async function measure(saver: PostgresSaver, n: number, withLease: boolean): Promise<Row> {
  const leadership = withLease ? postgresLeadership({ connectionString: CONN }) : undefined;
  const loop = createMasterAgentLoop({
    agents: [{ id: 'noop', capabilities: ['noop'], maxConcurrency: 16, run: async () => 1 }],
    checkpointer: saver,
    learning: false,
    ...(leadership ? { leadership } : {}),
  });
  const before = { ...counted };
  const at = performance.now();
  const out = await loop.invoke({ request: { tasks: layeredTasks(n), constraints: { maxConcurrentAgents: 16 } } }, { configurable: { thread_id: `pg-${n}-${withLease}-${Date.now()}` } });
  const ms = performance.now() - at;
  if (out.status !== 'completed') throw new Error(`run ${out.status}`);
  const statements = counted.statements - before.statements;
  const transactions = counted.transactions - before.transactions;
  await leadership?.close();
  return { tasks: n, leadership: withLease, statements, transactions, perTask: round(statements / n, 2), txPerTask: round(transactions / n, 2), ms: round(ms, 0) };
}

async function main(): Promise<void> {
  const saver = PostgresSaver.fromConnString(CONN, { schema: SCHEMA });
  await saver.setup();
  const rows: Row[] = [];
  try {
    await measure(saver, 100, false); // warm-up
    for (const n of [200, 1000]) for (const lease of [false, true]) rows.push(await measure(saver, n, lease));
  } finally {
    const admin = new Client({ connectionString: CONN });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.end();
    await saver.end();
  }
  printTable(
    'Postgres statements per task (PostgresSaver; layered DAG, 1 agent x16)',
    ['tasks', 'leadership', 'statements', 'transactions', 'statements/task', 'transactions/task', 'wall ms'],
    rows.map((r) => [r.tasks, r.leadership ? 'yes' : 'no', r.statements, r.transactions, r.perTask, r.txPerTask, r.ms]),
  );
  console.log(JSON.stringify({ bench: 'postgres-per-task', rows }));
}

void main();
