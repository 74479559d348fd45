import type { IncomingMessage, ServerResponse } from 'node:http';
import { MemorySaver } from '@langchain/langgraph';
import { DRAINING_REASON, serveObservability, type ObservabilityServer } from '../../src/observe/index';
import { rawConnection } from '../helpers/raw-http';
import { loopWith, request, sleeper, thread } from '../loop/helpers';

/** A /metrics source that answers only when released. */
function slowMetrics() {
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    inside,
    release,
    handle(_req: IncomingMessage, res: ServerResponse) {
      entered();
      void released.then(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('# scraped\n'));
    },
  };
}

const rawExchange = (port: number, text: string): Promise<string> => rawConnection(port, text).received;

describe('closing the observability server gracefully', () => {
  let server: ObservabilityServer | undefined;
  afterEach(async () => server?.close());

  it('answers /readyz 503 with the reason draining while a loop closes, and 200 before', async () => {
    const log: string[] = [];
    const { loop } = loopWith([sleeper('w', ['work'], 1, log)], { checkpointer: new MemorySaver() });
    server = await serveObservability({ port: 0, loops: [loop] });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const run = loop.invoke(request([{ id: 'a', capability: 'work', input: { ms: 150 } }]), thread());
    while (!log.includes('start a')) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = loop.close({ graceMs: 5_000 });
    const draining = await fetch(`${server.url}/readyz`);
    expect([draining.status, await draining.json()]).toEqual([503, { ready: false, reasons: [DRAINING_REASON] }]);
    expect((await run).status).toBe('completed');
    await closing;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });

  it('lets a request in flight finish, answers the next one on its connection 503, and accepts no new connection', async () => {
    const metrics = slowMetrics();
    server = await serveObservability({ port: 0, metrics });
    const { port, url } = server;
    const connection = rawConnection(port, 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await metrics.inside;
    const closing = server.close({ graceMs: 5_000 });
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    // The next request on the busy connection arrives while the server drains.
    connection.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    metrics.release();
    const text = await connection.received;
    await closing;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*# scraped\n/);
    expect(text).toMatch(/HTTP\/1\.1 503 Service Unavailable[\s\S]*shutting down/);
    server = undefined;
  });

  it('cuts a request still running when the grace ends', async () => {
    const metrics = slowMetrics();
    server = await serveObservability({ port: 0, metrics });
    const exchange = rawExchange(server.port, 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await metrics.inside;
    const began = Date.now();
    await server.close({ graceMs: 100 });
    expect(Date.now() - began).toBeGreaterThanOrEqual(90);
    expect(await exchange).toBe('');
    server = undefined;
  });

  it('closes at once by default, as before, and refuses a negative grace', async () => {
    const metrics = slowMetrics();
    const own = await serveObservability({ port: 0, metrics });
    await expect(own.close({ graceMs: -5 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
    const exchange = rawExchange(own.port, 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await metrics.inside;
    await own.close();
    expect(await exchange).toBe('');
  });
});
