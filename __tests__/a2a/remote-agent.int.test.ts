/**
 * Two processes: the child is an A2A agent built with the SDK alone; this process adds it to a
 * master loop's pool with createA2AAgent and runs requests that need it.
 */
import { createServer } from 'node:net';
import { createA2AAgent } from '../../src/a2a/index';
import { isNoError } from '../../src/contracts/index';
import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, thread } from '../loop/helpers';
import { startChild, type Child } from './fixtures/child';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

const children: Child[] = [];
const start = async (config: { mode?: 'ok' | 'fail' }): Promise<Child> => {
  const child = await startChild('sdk-summarizer.ts', config);
  children.push(child);
  return child;
};
afterAll(() => Promise.all(children.map((c) => c.stop())));

const fetcher: AgentDefinition = { id: 'fetcher', capabilities: ['fetch'], run: async () => 'the quick brown fox' };
const backup: AgentDefinition = { id: 'local-summarizer', capabilities: ['summarize'], run: async () => ({ words: -1, by: 'local' }) };
const tasks = [
  { id: 'fetch', capability: 'fetch' },
  { id: 'summarize', capability: 'summarize', dependsOn: ['fetch'], input: { text: 'jumps over' } },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a remote A2A agent (SDK-only server, another process) in the master loop pool', () => {
  it('joins the pool from its card and runs the task that needs it, after the local task it depends on', async () => {
    const child = await start({});
    const remote = await createA2AAgent({ url: child.url });
    expect(remote).toMatchObject({ id: 'remote-summarizer', capabilities: ['summarize', 'text'] });
    const { loop } = loopWith([remote, fetcher]);
    const config = thread();
    const out = await loop.invoke(request(tasks), config);
    expect(out.status).toBe('completed');
    expect(out.tasks['summarize']).toMatchObject({ agentId: 'remote-summarizer', status: 'completed' });
    expect(out.tasks['fetch']).toMatchObject({ agentId: 'fetcher' });
    // 4 fetched words + 2 of its own input; the context id is the loop's thread.
    expect(out.results['summarize']).toEqual({ words: 6, from: ['fetch'], idempotencyKey: expect.any(String), contextId: config.configurable.thread_id });
  });

  it('moves the task to another capable agent when the remote ends it failed (agent fault)', async () => {
    const child = await start({ mode: 'fail' });
    const remote = await createA2AAgent({ url: child.url, id: 'flaky-remote' });
    const { loop } = loopWith([remote, fetcher, backup]);
    const out = await loop.invoke(request(tasks), thread());
    expect(out.status).toBe('completed');
    expect(out.results['summarize']).toEqual({ words: -1, by: 'local' });
    expect(out.tasks['summarize']).toMatchObject({ agentId: 'local-summarizer' });
    expect(out.errors).toEqual([
      expect.objectContaining({ taskId: 'summarize', agentId: 'flaky-remote', classification: 'agent-fault', code: 'TASK_FAILED' }),
    ]);
    expect(out.errors[0]!.message).toMatch(/failed: summarizer is down for maintenance/);
    expect(out.recoveries[0]).toMatchObject({ type: 'redistribute', agentId: 'flaky-remote' });
  });

  it('retries a remote that went away as a transient failure, then falls back', async () => {
    const child = await start({});
    const remote = await createA2AAgent({ url: child.url, id: 'vanishing-remote' });
    await child.stop();
    const { loop } = loopWith([remote, fetcher]);
    const out = await loop.invoke(request([tasks[0]!, { ...tasks[1]!, retries: 2, fallback: { value: 'summary unavailable' } }]), thread());
    expect(out.status).toBe('completed');
    expect(out.results['summarize']).toBe('summary unavailable');
    expect(out.errors.map((e) => `${e.agentId}:${e.classification}`)).toEqual(Array(3).fill('vanishing-remote:transient'));
    expect(out.errors[0]!.message).toMatch(/A2A peer unreachable/);
    expect(out.recoveries.map((r) => r.type)).toEqual(['retry-with-backoff', 'retry-with-backoff', 'fallback']);
  });

  it('rejects with a typed error when no agent card can be fetched at creation', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await createA2AAgent({ url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isNoError(error, 'AGENT_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toMatch(/no usable A2A agent card at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/agent-card\.json: A2A peer unreachable/);
  });
});
