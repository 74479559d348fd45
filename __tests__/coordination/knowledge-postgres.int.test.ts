/**
 * Shared knowledge and federated learning across processes on a real PostgresStore: each "process"
 * is its own PostgresStore (its own connection pool), its own keyring built from one secret, and its
 * own master loop. Every test run gets its own schema, dropped at the end.
 */
import { PostgresStore } from '@langchain/langgraph-checkpoint-postgres/store';
import { z } from 'zod';
import { createSharedKnowledge } from '../../src/coordination/knowledge';
import { STORE_NAMESPACES, type AgentDefinition } from '../../src/loop/index';
import { createKeyring } from '../../src/network/index';
import { mergeAdaptiveStates, parseContribution } from '../../src/scheduler/index';
import { loopWith, request, thread } from '../loop/helpers';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const { Client } = require('pg') as { Client: new (options: { connectionString: string }) => PgClient };

const CONN = process.env['NO_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SCHEMA = `no_knowledge_${process.pid}_${Date.now().toString(36)}`;
const SECRET = 'one-secret-every-process-shares-0123456789';
const kinds = { fact: z.object({ text: z.string() }) };

const stores: PostgresStore[] = [];
async function processStore(): Promise<PostgresStore> {
  const store = PostgresStore.fromConnString(CONN, { schema: SCHEMA });
  await store.setup();
  stores.push(store);
  return store;
}

beforeAll(async () => {
  const client = new Client({ connectionString: CONN });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${SCHEMA}"`);
  } finally {
    await client.end();
  }
});

afterAll(async () => {
  for (const store of stores) await store.stop();
  const client = new Client({ connectionString: CONN });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  } finally {
    await client.end();
  }
});

describe('shared knowledge on PostgresStore, across processes', () => {
  it('an item shared in one process is confirmed in two others and read as accepted; a tampered copy is refused', async () => {
    const [a, b, c] = [await processStore(), await processStore(), await processStore()];
    const in1 = createSharedKnowledge({ store: a, keyring: createKeyring({ secret: SECRET }), kinds, quorum: 2 });
    const in2 = createSharedKnowledge({ store: b, keyring: createKeyring({ secret: SECRET }), kinds, quorum: 2 });
    const in3 = createSharedKnowledge({ store: c, keyring: createKeyring({ secret: SECRET }), kinds, quorum: 2 });
    const item = await in1.shareKnowledge('researcher', { kind: 'fact', scope: 'pg-team', content: { text: 'p95 is 120 ms' } });
    await Promise.all([in2.confirmKnowledge('reviewer-1', item.id, { scope: 'pg-team' }), in3.confirmKnowledge('reviewer-2', item.id, { scope: 'pg-team' })]);
    const read = await in1.getSharedKnowledge('writer', { scope: 'pg-team', acceptedOnly: true });
    expect(read.items).toEqual([expect.objectContaining({ id: item.id, confirmedBy: ['reviewer-1', 'reviewer-2'], accepted: true })]);
    expect(read.refused).toEqual([]);

    const stored = await c.get(['langgraph-no', 'knowledge', 'pg-team'], item.id);
    const value = structuredClone(stored!.value) as { message: { payload: { content: { text: string } } } };
    value.message.payload.content.text = 'p95 is 12 ms';
    await c.put(['langgraph-no', 'knowledge', 'pg-team'], item.id, value);
    const after = await in2.getSharedKnowledge('writer', { scope: 'pg-team' });
    expect(after.items).toEqual([]);
    expect(after.refused).toEqual([expect.objectContaining({ itemId: item.id, reason: 'bad-signature' })]);
  });
});

describe('federated learning on PostgresStore', () => {
  it('two loops on two connections learn separately; the merged counts are the sum, and a third process starts from it', async () => {
    const worker: AgentDefinition = { id: 'w', capabilities: ['work'], maxConcurrency: 3, run: async () => 1 };
    const wide = request(['a', 'b', 'c'].map((id) => ({ id, capability: 'work' })), { metadata: { taskClass: 'pg-etl' } });
    const one = loopWith([worker], { store: await processStore(), learningId: 'host-1' });
    const two = loopWith([worker], { store: await processStore(), learningId: 'host-2' });
    await Promise.all([
      ...Array.from({ length: 4 }, () => one.loop.invoke(wide, thread())),
      ...Array.from({ length: 3 }, () => two.loop.invoke(wide, thread())),
    ]);
    const reader = await processStore();
    const shares = await reader.search([...STORE_NAMESPACES.adaptiveContributions], { limit: 100 });
    expect(shares.map((s) => s.key).sort()).toEqual(['host-1', 'host-2']);
    const arms = mergeAdaptiveStates(shares.map((s) => parseContribution(s.value))).classes['pg-etl']!;
    expect(arms.parallel.runs + arms['sequential-safe'].runs + arms['parallel-coordinated'].runs).toBe(7);
    const health = await reader.search([...STORE_NAMESPACES.agentHealth], { limit: 100 });
    const successes = health.map((s) => (s.value as { agents: Record<string, { successes: number }> }).agents['w']!.successes);
    expect(successes.reduce((x, y) => x + y, 0)).toBe(21);

    const three = loopWith([worker], { store: reader, learningId: 'host-3' });
    const out = await three.loop.invoke(wide, thread());
    expect(three.loop.pool.states()['w']!.totalSuccesses).toBe(24);
    const merged = mergeAdaptiveStates((await reader.search([...STORE_NAMESPACES.adaptiveContributions], { limit: 100 })).map((s) => parseContribution(s.value)));
    const p = merged.classes['pg-etl']!.parallel;
    expect(out.adjustment!.expectedRewards.parallel).toBeCloseTo(p.alpha / (p.alpha + p.beta), 12);
  });
});
