/** serveAgentOverA2A's graceful close: a request in flight finishes, a new one gets 503, the rest is cut. */
import { serveAgentOverA2A } from '../../src/a2a/index';
import type { AgentDefinition } from '../../src/loop/index';
import { gate, rawConnection, rawPost } from '../helpers/raw-http';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

const send = (id: number, text: string): unknown => ({
  jsonrpc: '2.0', id, method: 'message/send',
  params: { message: { kind: 'message', messageId: `m${id}`, role: 'user', parts: [{ kind: 'text', text }] } },
});

function gatedAgent() {
  const entered = gate();
  const release = gate();
  const runs = { started: 0, finished: 0 };
  const agent: AgentDefinition = {
    id: 'gated', capabilities: ['echo'],
    run: async (input) => {
      runs.started++;
      entered.open();
      await release.opened;
      runs.finished++;
      return `done:${String(input)}`;
    },
  };
  return { agent, entered, release, runs };
}

describe('closing the A2A server gracefully', () => {
  it('lets a blocking send in flight finish, answers the next request 503 with a JSON-RPC error, then stops', async () => {
    const { agent, entered, release, runs } = gatedAgent();
    const server = await serveAgentOverA2A(agent);
    const { port } = new URL(server.url);
    const connection = rawConnection(Number(port), rawPost('/a2a', send(1, 'hi')));
    await entered.opened;
    const closing = server.close({ graceMs: 5_000 });
    connection.send(rawPost('/a2a', send(2, 'again')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    release.open();
    const text = await connection.received;
    await closing;
    expect(runs).toEqual({ started: 1, finished: 1 });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*done:hi/);
    const refused = /HTTP\/1\.1 503 Service Unavailable[\s\S]*?(\{"jsonrpc".*\})/.exec(text);
    expect(JSON.parse(refused?.[1] ?? 'null')).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000, message: expect.stringContaining('shutting down') } });
    await expect(fetch(`${server.url}/.well-known/agent-card.json`)).rejects.toThrow();
  });

  it('aborts a task still running when the grace ends, and closes at once by default', async () => {
    const { agent, entered } = gatedAgent();
    const aborted: string[] = [];
    const server = await serveAgentOverA2A({ ...agent, run: (_input, ctx) => {
      entered.open();
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => (aborted.push('a'), reject(ctx.signal.reason)), { once: true }));
    } });
    const connection = rawConnection(Number(new URL(server.url).port), rawPost('/a2a', send(1, 'hi')));
    await entered.opened;
    const began = Date.now();
    await server.close({ graceMs: 120 });
    expect(Date.now() - began).toBeGreaterThanOrEqual(110);
    expect(aborted).toEqual(['a']);
    await connection.received;
    const quick = await serveAgentOverA2A(agent);
    await expect(quick.close({ graceMs: 1.5 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
    await quick.close();
  });
});
