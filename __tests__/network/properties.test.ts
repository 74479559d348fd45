import fc from 'fast-check';
import { encodeSignedMessage } from '../../src/network/canonical';
import { createAgentRegistry } from '../../src/network/registry';
import { setup, clock, flush } from './helpers';

const AGENTS = ['a0', 'a1', 'a2', 'a3'];
const agent = fc.constantFrom(...AGENTS);
type Op =
  | { kind: 'send'; from: string; to: string }
  | { kind: 'partition'; split: boolean[] }
  | { kind: 'heal' }
  | { kind: 'down'; id: string }
  | { kind: 'up'; id: string }
  | { kind: 'flush' };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), from: agent, to: agent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), split: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'heal' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('down' as const), id: agent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('up' as const), id: agent }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

describe('network properties', () => {
  it('delivers every message exactly once and in per-sender order under random partitions, outages and heals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.boolean(), async (ops, slowHandlers) => {
        const time = clock();
        const registry = createAgentRegistry({ now: time.now, heartbeatTtlMs: 1000 });
        const { network } = setup(AGENTS, { registry, now: time.now });
        const got = new Map<string, Array<[string, number]>>(AGENTS.map((id) => [id, []]));
        for (const id of AGENTS) {
          network.subscribeToAgent(id, async (m) => {
            got.get(id)?.push([m.from, m.payload as number]);
            if (slowHandlers) await flush();
          });
        }
        const sent = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'send') {
            const n = sent.get(`${o.from}>${o.to}`) ?? 0;
            sent.set(`${o.from}>${o.to}`, n + 1);
            await network.sendMessage(o.from, o.to, { type: 't', payload: n });
          } else if (o.kind === 'partition') {
            const left = AGENTS.filter((_, i) => o.split[i]);
            const right = AGENTS.filter((_, i) => !o.split[i]);
            if (left.length > 0 && right.length > 0) network.simulatePartition(left, right);
          } else if (o.kind === 'heal') network.healPartition();
          else if (o.kind === 'down') registry.register({ id: o.id, status: 'unreachable' });
          else if (o.kind === 'up') registry.heartbeat(o.id, { status: 'online' });
          else await flush();
        }
        network.healPartition();
        for (const id of AGENTS) registry.heartbeat(id, { status: 'online' });
        for (let i = 0; i < 200 && (await network.getNetworkStatus()).queued > 0; i++) await flush();
        for (const [to, messages] of got) {
          for (const from of AGENTS) {
            const seq = messages.filter(([f]) => f === from).map(([, n]) => n);
            const expected = Array.from({ length: sent.get(`${from}>${to}`) ?? 0 }, (_, i) => i);
            expect(seq).toEqual(expected);
          }
        }
        network.close();
      }),
      { numRuns: 60 },
    );
  });

  it('never holds more messages in a mailbox than its capacity', async () => {
    type Step = { kind: 'send'; onFull: 'wait' | 'fail' } | { kind: 'receive'; max: number } | { kind: 'flush' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), onFull: fc.constantFrom('wait' as const, 'fail' as const) }),
      fc.record({ kind: fc.constant('receive' as const), max: fc.integer({ min: 1, max: 3 }) }),
      fc.constant({ kind: 'flush' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 60 }), async (capacity, steps) => {
        const { network } = setup(['s', 'r'], { mailboxCapacity: capacity, sendTimeoutMs: 50 });
        let peak = 0;
        const watch = async (): Promise<void> => {
          peak = Math.max(peak, (await network.getNetworkStatus()).queuedByAgent['r'] ?? 0);
        };
        const pending: Array<Promise<unknown>> = [];
        let accepted = 0;
        let received = 0;
        for (const s of steps) {
          if (s.kind === 'send') {
            pending.push(network.sendMessage('s', 'r', { type: 't', payload: 1 }, { onFull: s.onFull }).then(() => accepted++, () => undefined));
          } else if (s.kind === 'receive') received += (await network.receive('r', { max: s.max })).length;
          else await flush();
          await watch();
        }
        await Promise.all(pending);
        await watch();
        received += (await network.receive('r')).length;
        expect(peak).toBeLessThanOrEqual(capacity);
        expect(received).toBe(accepted);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses any single-byte alteration of a signed message', async () => {
    const { network } = setup(['a', 'b']);
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (payload, at, delta) => {
        const wire = Buffer.from(encodeSignedMessage(network.sign('a', { to: 'b' }, { type: 't', payload, correlationId: 'c1' })));
        const index = at % wire.length;
        const altered = Buffer.from(wire);
        altered[index] = ((wire[index] as number) + delta) % 256;
        await expect(network.deliver(altered)).rejects.toMatchObject({ code: expect.stringMatching(/SIGNATURE_INVALID|MESSAGE_REFUSED/) });
      }),
      { numRuns: 300 },
    );
    expect((await network.getNetworkStatus()).queued).toBe(0);
  });
});
