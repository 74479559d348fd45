import { InMemoryStore, MemorySaver } from '@langchain/langgraph';
import { serveObservability, type ObservabilityServer } from '../../src/observe/index';
import { isLoopback } from '../../src/observe/server';
import { addMasterLoop } from '../../src/loop/index';
import { Annotation, StateGraph } from '@langchain/langgraph';
import { loopWith, sleeper } from '../loop/helpers';

class BrokenSaver extends MemorySaver {
  override async getTuple(): Promise<undefined> {
    throw new Error('connection refused');
  }
}
class HangingStore extends InMemoryStore {
  override get(): Promise<never> {
    return new Promise(() => undefined);
  }
}

describe('loop.readiness()', () => {
  it('is ready with a reachable checkpointer and Store and a healthy agent for every capability', async () => {
    const { loop } = loopWith([sleeper('w1', ['a', 'b']), sleeper('w2', ['b'])], { checkpointer: new MemorySaver(), store: new InMemoryStore() });
    await expect(loop.readiness()).resolves.toEqual({ ready: true, reasons: [] });
  });

  it('names the checkpointer that fails, the Store that hangs past the timeout, and a capability whose only agent is broken', async () => {
    const { loop } = loopWith([sleeper('w1', ['a']), sleeper('w2', ['b']), sleeper('w3', ['b'])], { checkpointer: new BrokenSaver(), store: new HangingStore() });
    loop.pool.breaker('w1').isolate();
    loop.pool.breaker('w2').isolate();
    const { ready, reasons } = await loop.readiness({ timeoutMs: 50 });
    expect(ready).toBe(false);
    expect(reasons).toEqual([
      'checkpointer unreachable: connection refused',
      'store unreachable: timed out after 50 ms',
      "no healthy agent for capability 'a': w1 (circuit open)",
    ]);
    loop.pool.breaker('w1').reset();
    expect((await loop.readiness({ timeoutMs: 50 })).reasons).toHaveLength(2);
    await expect(loop.readiness({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
  });

  it('checks only the agents of a loop added to a graph, whose checkpointer is its parent\'s', async () => {
    const State = Annotation.Root({ request: Annotation<unknown> });
    const graph = addMasterLoop(new StateGraph(State), { agents: [sleeper('w', ['x'])] });
    await expect(graph.readiness()).resolves.toEqual({ ready: true, reasons: [] });
    graph.pool.breaker('w').isolate();
    expect((await graph.readiness()).reasons).toEqual(["no healthy agent for capability 'x': w (circuit open)"]);
  });
});

describe('/healthz and /readyz', () => {
  let server: ObservabilityServer | undefined;
  afterEach(async () => server?.close());

  it('answers /healthz while the process is up and /readyz 200, then 503 with the reasons when a loop is not ready', async () => {
    const orders = loopWith([sleeper('w1', ['a'])]).loop;
    const billing = loopWith([sleeper('b1', ['pay'])], { store: new HangingStore() }).loop;
    server = await serveObservability({ port: 0, loops: { orders, billing }, readinessTimeoutMs: 50 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reasons: ['billing: store unreachable: timed out after 50 ms'] });
    await server.close();

    server = await serveObservability({ port: 0, loops: [orders] });
    const ready = await fetch(`${server.url}/readyz?verbose=1`);
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true, reasons: [] }]);
  });

  it('reports a readiness source that throws as not ready, with its error', async () => {
    const source = { readiness: async () => { throw new Error('pool gone'); } };
    server = await serveObservability({ port: 0, loops: [source, source] });
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reasons: string[] }).reasons).toEqual(['loop 0: readiness check failed: pool gone', 'loop 1: readiness check failed: pool gone']);
  });

  it('refuses a bad port and a port in use with what to do', async () => {
    await expect(serveObservability({ port: 70_000 })).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
    server = await serveObservability({ port: 0 });
    await expect(serveObservability({ port: server.port })).rejects.toThrow(/EADDRINUSE.*port: 0 for a free one/);
  });
});

describe('a bearer token on the observability server', () => {
  const token = 'a-long-random-token-0123456789';

  it('is required to serve beyond loopback, and must not be short', async () => {
    await expect(serveObservability({ host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('pass token') });
    await expect(serveObservability({ host: '::', port: 0 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(serveObservability({ port: 0, token: 'short' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('at least 16') });
    await expect(serveObservability({ port: 0, token: ' '.repeat(20) })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('refuses every path without it, or with another one, with 401 and a Bearer challenge; lets the right one in', async () => {
    const server = await serveObservability({ host: '0.0.0.0', port: 0, token });
    try {
      const at = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
      for (const path of ['/healthz', '/readyz', '/metrics', '/nowhere']) {
        const refused = await at(path);
        expect([path, refused.status, refused.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer realm="langgraph-no"']);
        expect(await refused.text()).not.toContain(token);
      }
      for (const wrong of [`Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, `Basic ${token}`, token, 'Bearer ', `Bearer ${token.toUpperCase()}`]) {
        expect([wrong, (await at('/healthz', { authorization: wrong })).status]).toEqual([wrong, 401]);
      }
      const ok = await at('/healthz', { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect((await at('/healthz', { authorization: `bearer   ${token}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('counts only this machine’s addresses as loopback', () => {
    expect(['127.0.0.1', '127.3.4.5', '::1', 'localhost'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([false, false, false, false, false, false]);
  });

  it('needs no token on loopback, and takes one there too', async () => {
    const open = await serveObservability({ port: 0 });
    const locked = await serveObservability({ port: 0, host: '127.0.0.1', token });
    try {
      expect((await fetch(`http://127.0.0.1:${open.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${locked.port}/healthz`)).status).toBe(401);
    } finally {
      await open.close();
      await locked.close();
    }
  });
});
