/**
 * Crash and resume across processes on Postgres: process A starts a run and is SIGKILLed at a
 * journal line, process B resumes the thread, and a third connection reads the finished state.
 * Every test run gets its own schema, dropped at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { createMasterAgentLoop } from '../../src/loop/index';
import { crashAndResume, type CrashStory } from './fixtures/crash-harness';
import { itKeepsTheDurabilityPromises } from './fixtures/crash-expectations';
import { expectedResults, randomDurations, type KillPoint, type RunConfig } from './fixtures/scenario';

// pg ships no type declarations here; this is the little of it the cleanup needs.
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const { Client } = require('pg') as { Client: new (options: { connectionString: string }) => PgClient };

const CONN = process.env['NO_POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SCHEMA = `no_durability_${process.pid}_${Date.now().toString(36)}`;
const SEED = 7_310;
const SCENARIO_TIMEOUT_MS = 30_000;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'no-postgres-'));
  const saver = PostgresSaver.fromConnString(CONN, { schema: SCHEMA });
  try {
    await saver.setup();
  } finally {
    await saver.end();
  }
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const client = new Client({ connectionString: CONN });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
  } finally {
    await client.end();
  }
});

/** Each kill point, and tasks it certainly leaves announced or in flight (durations are at least 10 ms). */
const SCENARIOS: Array<{ name: string; killAt: KillPoint; announced: string[]; inFlight: string[] }> = [
  // The freeze stops all I/O right after the announcement: h must already be stored in Postgres.
  { name: 'h was just announced complete', killAt: { afterLine: { ev: 'completed-event', taskId: 'h' } }, announced: ['b', 'f', 'h'], inFlight: [] },
  { name: 'the fan-in task g has just started', killAt: { afterLine: { ev: 'start', taskId: 'g' } }, announced: ['a'], inFlight: ['g'] },
];

describe.each(SCENARIOS.map((s, i) => ({ ...s, i })))('a run on Postgres SIGKILLed when $name, resumed by another process', (scenario) => {
  const { killAt, i } = scenario;
  const base: Omit<RunConfig, 'mode' | 'durations' | 'killAt'> = {
    plan: 'dag',
    checkpointer: { kind: 'postgres', connString: CONN, schema: SCHEMA },
    threadId: `pg-thread-${i}`,
    journal: '',
  };
  let story: CrashStory | undefined;
  beforeAll(async () => {
    base.journal = join(dir, `pg-${i}.jsonl`);
    const durations = { first: randomDurations('dag', SEED + i), second: randomDurations('dag', SEED + 100 + i) };
    story = await crashAndResume(base, durations, killAt);
  }, SCENARIO_TIMEOUT_MS);

  itKeepsTheDurabilityPromises(() => story!, 'dag');

  it(`crashed with ${scenario.announced.join(', ')} announced and ${scenario.inFlight.join(', ') || 'nothing required'} in flight`, () => {
    expect(story!.announcedBeforeCrash).toEqual(expect.arrayContaining(scenario.announced));
    expect(story!.inFlightAtCrash).toEqual(expect.arrayContaining(scenario.inFlight));
  });

  it('leaves the finished state readable from a third connection', async () => {
    const reader = PostgresSaver.fromConnString(CONN, { schema: SCHEMA });
    try {
      const neverRuns = (): never => {
        throw new Error('a reader never runs tasks');
      };
      const loop = createMasterAgentLoop({ agents: [{ id: 'reader', capabilities: ['compute', 'io'], run: neverRuns }], checkpointer: reader });
      const config = { configurable: { thread_id: base.threadId } };
      const state = await loop.getState(config);
      expect(state.next).toEqual([]);
      expect(state.values.status).toBe('completed');
      expect(state.values.results).toEqual(expectedResults('dag'));
      const tuple = await reader.getTuple(config);
      expect(tuple?.checkpoint.channel_values['status']).toBe('completed');
      expect(tuple?.checkpoint.id).toBe(state.config.configurable?.['checkpoint_id']);
    } finally {
      await reader.end();
    }
  });
});
