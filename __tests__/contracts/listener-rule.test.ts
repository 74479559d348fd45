import { z } from 'zod';
import { createAgentPool } from '../../src/loop/agent-pool';
import { createMasterAgentLoop } from '../../src/loop/builder';
import { createAgentNetwork } from '../../src/network/network';
import { createAgentRegistry } from '../../src/network/registry';
import { circuitBreaker } from '../../src/resilience/circuit-breaker';
import { createAuditTrail } from '../../src/telemetry/audit';
import { buildToolLayer } from '../../src/tools/layer';
import { defineTool } from '../../src/tools/tool';
import { captureListenerErrors } from '../helpers/listener-errors';

/**
 * Every public `onX(listener) -> unsubscribe` of the package, with an operation that makes it emit.
 * `trigger` checks that the operation itself finished as it would with no listener at all.
 */
interface Emitter {
  on(listener: (value: unknown) => void): () => void;
  trigger(): Promise<void>;
  close?(): void;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function auditTrail(): Emitter {
  const audit = createAuditTrail();
  return {
    on: (l) => audit.onAppend(l),
    async trigger() {
      const entry = audit.append({ actor: 'a', action: 'x', outcome: 'success' });
      expect(audit.head()).toBe(entry.hash);
      expect(audit.verify()).toMatchObject({ ok: true });
    },
  };
}

function registry(): Emitter {
  const agents = createAgentRegistry();
  let n = 0;
  return {
    on: (l) => agents.onChange(l),
    async trigger() {
      const id = `agent-${n++}`;
      expect(agents.register({ id })).toMatchObject({ id, status: 'online' });
      expect(agents.get(id)).toBeDefined();
    },
  };
}

function networkActivity(): Emitter {
  const network = createAgentNetwork();
  network.registry.register({ id: 'a' });
  network.registry.register({ id: 'b' });
  let sent = 0;
  return {
    on: (l) => network.onActivity(l),
    async trigger() {
      // The message is queued before activity is told: the send must resolve, or the sender retries a duplicate.
      await expect(network.sendMessage('a', 'b', { type: 'ping', payload: {} })).resolves.toMatchObject({ to: 'b' });
      expect((await network.getNetworkStatus()).queued).toBe(++sent);
    },
    close: () => network.close(),
  };
}

function networkError(): Emitter {
  const network = createAgentNetwork();
  network.registry.register({ id: 'a' });
  network.registry.register({ id: 'b' });
  network.subscribeToAgent('b', () => {
    throw new Error('handler down');
  });
  const settled: string[] = [];
  network.onActivity((activity) => {
    if (activity.type === 'settled') settled.push(activity.outcome);
  });
  let sent = 0;
  return {
    on: (l) => network.onError((error, message) => l({ error, message })),
    async trigger() {
      await network.sendMessage('a', 'b', { type: 'ping', payload: {} });
      await flush();
      // The failed message still leaves its mailbox, counted and announced, whatever the error listeners do.
      sent++;
      expect(await network.getNetworkStatus()).toMatchObject({ handlerErrors: sent, queued: 0 });
      expect(settled).toEqual(Array.from({ length: sent }, () => 'handler-error'));
    },
    close: () => network.close(),
  };
}

function breaker(): Emitter {
  const b = circuitBreaker({ failureThreshold: 1 });
  const reset = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
  return {
    on: (l) => b.onStateChange(l),
    async trigger() {
      b.reset();
      // The call that opens the breaker fails with its own error, not a listener's.
      await expect(b.execute(() => Promise.reject(reset))).rejects.toBe(reset);
      expect(b.state).toBe('open');
    },
  };
}

function pool(): Emitter {
  const agents = createAgentPool().add([{ id: 'w', capabilities: ['x'], run: async () => null }]);
  return {
    on: (l) => agents.onCapacityFreed(() => l(undefined)),
    async trigger() {
      agents.begin('w');
      agents.end('w');
      expect(agents.states()['w']).toMatchObject({ activeTasks: 0, status: 'idle' });
    },
  };
}

function toolLayer(): Emitter {
  const echo = defineTool({ name: 'echo', capability: 'compute', description: 'echo', input: z.object({ text: z.string() }), mutating: false, run: async ({ text }) => text });
  const layer = buildToolLayer('primitive', [echo], { rateLimit: false });
  return {
    on: (l) => layer.onEvent(l),
    async trigger() {
      await expect(layer.invoke('echo', { text: 'hi' })).resolves.toMatchObject({ ok: true, data: 'hi' });
    },
  };
}

function masterLoop(): Emitter {
  const loop = createMasterAgentLoop({ agents: [{ id: 'w', capabilities: ['x'], run: async () => 'done' }] });
  let n = 0;
  return {
    on: (l) => loop.onEvent(l),
    async trigger() {
      const out = await loop.invoke({ request: { tasks: [{ id: 'a', capability: 'x' }] } }, { configurable: { thread_id: `rule-${n++}` } });
      expect(out).toMatchObject({ status: 'completed', results: { a: 'done' } });
    },
  };
}

const EMITTERS: Array<[string, () => Emitter]> = [
  ['AuditTrail.onAppend', auditTrail],
  ['AgentRegistry.onChange', registry],
  ['AgentNetwork.onActivity', networkActivity],
  ['AgentNetwork.onError', networkError],
  ['CircuitBreaker.onStateChange', breaker],
  ['AgentPool.onCapacityFreed', pool],
  ['NoToolLayer.onEvent', toolLayer],
  ['MasterLoopHandle.onEvent', masterLoop],
];

describe.each(EMITTERS)('the listener rule: %s', (_name, make) => {
  it('lets the operation finish, calls the other listeners, and reports each failure once, later', async () => {
    const errors = captureListenerErrors();
    const emitter = make();
    const bug = new Error('listener bug');
    const heard: unknown[] = [];
    emitter.on(() => {
      throw bug;
    });
    emitter.on((value) => heard.push(value));
    await emitter.trigger();
    await emitter.trigger();
    emitter.close?.();
    expect(heard.length).toBeGreaterThanOrEqual(2);
    const reported = await errors.settled();
    expect(reported).toHaveLength(heard.length);
    expect(reported.every((e) => e === bug)).toBe(true);
  });

  it('stops calling a listener that unsubscribes during an emit; one added during an emit hears only later values', async () => {
    const emitter = make();
    const heard: unknown[] = [];
    const late: unknown[] = [];
    let selfCalls = 0;
    let heardBeforeLate = 0;
    emitter.on((value) => heard.push(value));
    const off = emitter.on(() => {
      selfCalls++;
      off();
      heardBeforeLate = heard.length;
      emitter.on((value) => late.push(value));
    });
    await emitter.trigger();
    await emitter.trigger();
    emitter.close?.();
    expect(selfCalls).toBe(1);
    expect(late.length).toBe(heard.length - heardBeforeLate);
    expect(late.length).toBeGreaterThan(0);
  });
});
