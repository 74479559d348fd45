import fc from 'fast-check';
import type { DeliveredMessage } from '../../src/contracts/network';
import type { NoError } from '../../src/contracts/errors';
import { encodeSignedMessage } from '../../src/network/canonical';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_MESSAGE_DEPTH, LARGEST_MAX_MESSAGE_DEPTH } from '../../src/network/limits';
import { createKeyring } from '../../src/network/keyring';
import { clock, rejection, setup } from './helpers';

const MB = 1024 * 1024;

/** `{ d: { d: ... leaf } }`, `levels` objects deep, built without recursion. */
const nested = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { d: value };
  return value;
};
const nestedArrays = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

const tooLarge = (error: NoError, limit: 'maxMessageBytes' | 'maxMessageDepth'): void => {
  expect(error.code).toBe('MESSAGE_TOO_LARGE');
  expect(error.details).toMatchObject({ reason: 'too-large', limit });
  expect(error.message).toContain(`raise the network's ${limit} option`);
};

describe('maxMessageBytes', () => {
  it('refuses an oversize payload before signing, naming the option, the field and the limit', async () => {
    const { network } = setup(['a', 'b']);
    const error = await rejection(network.sendMessage('a', 'b', { type: 't', payload: { report: { text: 'x'.repeat(20 * MB) } } }));
    tooLarge(error, 'maxMessageBytes');
    expect(error.details).toMatchObject({ max: DEFAULT_MAX_MESSAGE_BYTES, path: 'payload.report.text' });
    expect(network.audit.entries().at(-1)).toMatchObject({ actor: 'a', action: 'message.send', outcome: 'denied', details: { reason: 'too-large' } });
    const status = await network.getNetworkStatus();
    expect(status.queued).toBe(0);
    expect(status.refusedByReason).toEqual({ 'too-large': 1 });
  });

  it('holds broadcasts, sign and every payload shape to the same limit', async () => {
    const { network } = setup(['a', 'b'], { maxMessageBytes: 4096 });
    const keys = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    const payloads: unknown[] = [
      'x'.repeat(4096),
      keys,
      new Array(1e9), // sparse: refused from its length alone
      Array.from({ length: 2_000 }, () => 'ab'),
      { many: Array.from({ length: 1_000 }, (_, i) => ({ i })) },
      Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`u${i}`, undefined])), // each dropped field counts a byte
      { text: 'é'.repeat(2100) }, // 2,100 characters, 4,200 UTF-8 bytes
    ];
    for (const payload of payloads) {
      tooLarge(await rejection(network.sendMessage('a', 'b', { type: 't', payload })), 'maxMessageBytes');
      tooLarge(await rejection(network.broadcast('a', { topic: 'news', type: 't', payload })), 'maxMessageBytes');
      expect(() => network.sign('a', { to: 'b' }, { type: 't', payload })).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }));
    }
    // The envelope counts too: a long correlation id and type are part of the message.
    tooLarge(await rejection(network.sendMessage('a', 'b', { type: 'x'.repeat(128), payload: 'y'.repeat(3900) })), 'maxMessageBytes');
    expect((await network.getNetworkStatus()).queued).toBe(0);
  });

  it('accepts a message of exactly maxMessageBytes on the wire and refuses one byte more', async () => {
    const time = clock();
    const probe = setup(['a', 'b'], { now: time.now }).network.sign('a', { to: 'b' }, { type: 't', payload: 'x'.repeat(1000) });
    const size = Buffer.byteLength(encodeSignedMessage(probe));
    const { network } = setup(['a', 'b'], { now: time.now, maxMessageBytes: size });
    await expect(network.sendMessage('a', 'b', { type: 't', payload: 'x'.repeat(1000) })).resolves.toBeDefined();
    tooLarge(await rejection(network.sendMessage('a', 'b', { type: 't', payload: 'x'.repeat(1001) })), 'maxMessageBytes');
  });

  it('refuses an oversize message on receipt before any signature work, as object or as wire text', async () => {
    const { network } = setup(['a', 'b'], { maxMessageBytes: 2048 });
    const big = setup(['a', 'b']).network;
    const signed = big.sign('a', { to: 'b' }, { type: 't', payload: 'x'.repeat(4096) });
    // A forged signature: the size refusal comes first, so a forgery costs no verification.
    tooLarge(await rejection(network.deliver({ ...signed, signature: 'forged' })), 'maxMessageBytes');
    tooLarge(await rejection(network.deliver({ ...signed, payload: { deep: ['x'.repeat(20 * MB)] } })), 'maxMessageBytes');
    tooLarge(await rejection(network.deliver({ ...signed, signature: 's'.repeat(4096) } as DeliveredMessage)), 'maxMessageBytes');
    // Wire text is refused by its length, unread: this is not even JSON.
    tooLarge(await rejection(network.deliver(`{${'x'.repeat(20 * MB)}`)), 'maxMessageBytes');
    tooLarge(await rejection(network.deliver(Buffer.alloc(4096, 0x20))), 'maxMessageBytes');
    expect(network.audit.entries().filter((e) => e.details['reason'] === 'too-large')).toHaveLength(5);
    expect((await network.getNetworkStatus()).refusedByReason).toEqual({ 'too-large': 5 });
  });

  it('passes on receipt every message it let through at sending, and refuses exactly those over the limit', async () => {
    const time = clock();
    const unlimited = setup(['a', 'b'], { now: time.now, maxMessageBytes: 10 * MB }).network;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 300, max: 3000 }), async (payload, max) => {
        const keyring = createKeyring();
        const sender = setup(['a', 'b'], { now: time.now, maxMessageBytes: max, keyring }).network;
        const receiver = setup(['a', 'b'], { now: time.now, maxMessageBytes: max, keyring }).network;
        const size = Buffer.byteLength(encodeSignedMessage(unlimited.sign('a', { to: 'b' }, { type: 't', payload })));
        let signed: DeliveredMessage;
        try {
          signed = sender.sign('a', { to: 'b' }, { type: 't', payload });
        } catch (error) {
          expect((error as NoError).code).toBe('MESSAGE_TOO_LARGE');
          expect(size).toBeGreaterThan(max);
          return;
        }
        expect(size).toBeLessThanOrEqual(max);
        expect(Buffer.byteLength(encodeSignedMessage(signed))).toBe(size);
        // The same limit on the receiving side never refuses what the sending side let through.
        await expect(receiver.deliver(encodeSignedMessage(signed))).resolves.toBeUndefined();
        // As an object, it passes the size check too (and is then refused only as a replay).
        await expect(receiver.deliver(signed)).rejects.toMatchObject({ details: { reason: 'replayed' } });
      }),
      { numRuns: 200 },
    );
  });
});

describe('maxMessageDepth', () => {
  it('refuses a payload nested 100,000 deep with a typed error, not a stack overflow', async () => {
    const { network } = setup(['a', 'b']);
    for (const payload of [nested(100_000), nestedArrays(100_000)]) {
      const error = await rejection(network.sendMessage('a', 'b', { type: 't', payload }));
      tooLarge(error, 'maxMessageDepth');
      expect(error.details['max']).toBe(DEFAULT_MAX_MESSAGE_DEPTH);
      tooLarge(await rejection(network.broadcast('a', { topic: 'news', type: 't', payload })), 'maxMessageDepth');
    }
    expect((await network.getNetworkStatus()).refusedByReason).toEqual({ 'too-large': 4 });
  });

  it('accepts a payload exactly maxMessageDepth deep and refuses one level more, arrays and objects alike', async () => {
    const { network } = setup(['a', 'b'], { maxMessageDepth: 3 });
    await expect(network.sendMessage('a', 'b', { type: 't', payload: { a: [{}] } })).resolves.toBeDefined();
    await expect(network.sendMessage('a', 'b', { type: 't', payload: nested(3, 'leaf') })).resolves.toBeDefined();
    const error = await rejection(network.sendMessage('a', 'b', { type: 't', payload: { a: [{ b: [] }] } }));
    tooLarge(error, 'maxMessageDepth');
    expect(error.details['path']).toBe('payload.a[0].b');
    tooLarge(await rejection(network.sendMessage('a', 'b', { type: 't', payload: nestedArrays(4) })), 'maxMessageDepth');
    const flat = setup(['a', 'b'], { maxMessageDepth: 0 }).network;
    await expect(flat.sendMessage('a', 'b', { type: 't', payload: 'scalar' })).resolves.toBeDefined();
    tooLarge(await rejection(flat.sendMessage('a', 'b', { type: 't', payload: [] })), 'maxMessageDepth');
  });

  it('refuses deep wire text and deep objects on receipt, after a signature-free check', async () => {
    const { network } = setup(['a', 'b']);
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    // 100,000 levels of arrays fit in 256 KiB of wire text; the receiver must not recurse into them.
    const wire = encodeSignedMessage(signed).replace('"payload":1', `"payload":${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(wire.length).toBeLessThan(DEFAULT_MAX_MESSAGE_BYTES);
    tooLarge(await rejection(network.deliver(wire)), 'maxMessageDepth');
    tooLarge(await rejection(network.deliver({ ...signed, payload: nested(100_000) })), 'maxMessageDepth');
    await network.deliver(signed);
    expect((await network.receive('b')).map((m) => m.payload)).toEqual([1]);
  });
});

describe('what the limits walk refuses besides size', () => {
  it('refuses circular payloads as invalid input when sending and as malformed when received', async () => {
    const { network } = setup(['a', 'b']);
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = { back: loop };
    await expect(network.sendMessage('a', 'b', { type: 't', payload: loop })).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { path: 'payload.self.back' } });
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    await expect(network.deliver({ ...signed, payload: loop })).rejects.toMatchObject({ code: 'MESSAGE_REFUSED', details: { reason: 'malformed' } });
    // A value met twice without a cycle is fine.
    const shared = { n: 1 };
    await expect(network.sendMessage('a', 'b', { type: 't', payload: [shared, shared] })).resolves.toMatchObject({ payload: [{ n: 1 }, { n: 1 }] });
  });

  it('requeues nothing over a limit lowered since the message was stored, and audits it', async () => {
    const secret = 'the limits tests derive their keys from this secret';
    const first = setup(['a', 'b'], { keyring: createKeyring({ secret }) });
    const big = await first.network.sendMessage('a', 'b', { type: 't', payload: 'x'.repeat(2000) });
    const small = await first.network.sendMessage('a', 'b', { type: 't', payload: 'small' });
    // "After a restart", with the same keys and a lower limit.
    const { network } = setup(['a', 'b'], { keyring: createKeyring({ secret }), maxMessageBytes: 1024 });
    expect(network.requeue([big, small])).toBe(1);
    expect((await network.receive('b')).map((m) => m.payload)).toEqual(['small']);
    expect(network.audit.entries().find((e) => e.details['id'] === big.id)).toMatchObject({
      action: 'message.restore',
      outcome: 'denied',
      details: { reason: 'too-large', limit: 'maxMessageBytes' },
    });
  });

  it('refuses huge binary payloads from their length, before their toJSON or index keys make millions of values', async () => {
    const { network } = setup(['a', 'b']);
    const buffer = Buffer.alloc(20 * MB);
    const toJSON = jest.spyOn(buffer, 'toJSON');
    const keys = jest.spyOn(Object, 'keys');
    try {
      const views = [new Uint8Array(20 * MB), new Float64Array(2 * MB)];
      for (const payload of [buffer, ...views, { file: views[1] }]) {
        tooLarge(await rejection(network.sendMessage('a', 'b', { type: 't', payload })), 'maxMessageBytes');
      }
      expect(toJSON).not.toHaveBeenCalled();
      expect(keys.mock.calls.filter(([value]) => ArrayBuffer.isView(value))).toEqual([]);
    } finally {
      keys.mockRestore();
    }
    // Small ones are encoded the JSON way.
    await expect(network.sendMessage('a', 'b', { type: 't', payload: Buffer.from('hi') })).resolves.toMatchObject({ payload: { type: 'Buffer', data: [104, 105] } });
    await expect(network.sendMessage('a', 'b', { type: 't', payload: new DataView(new ArrayBuffer(8)) })).resolves.toMatchObject({ payload: {} });
  });

  it('names an oversize key in the error without repeating it', async () => {
    const { network } = setup(['a', 'b']);
    const error = await rejection(network.sendMessage('a', 'b', { type: 't', payload: { outer: { ['k'.repeat(20 * MB)]: 1 } } }));
    tooLarge(error, 'maxMessageBytes');
    expect(error.details['path']).toBe(`payload.outer.${'k'.repeat(61)}...`);
    expect(error.message.length).toBeLessThan(400);
  });

  it('turns a payload that throws while read into a typed error: INVALID_INPUT when sent, malformed when received', async () => {
    const { network } = setup(['a', 'b']);
    const throwing = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
    await expect(network.sendMessage('a', 'b', { type: 't', payload: throwing })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('boom') });
    await expect(network.sendMessage('a', 'b', { type: 't', payload: { toJSON: () => { throw 'not an Error'; } } })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('not an Error') });
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    await expect(network.deliver({ ...signed, payload: throwing })).rejects.toMatchObject({ code: 'MESSAGE_REFUSED', details: { reason: 'malformed' } });
    // An oversize id is refused by its shape, and never copied into the audit trail.
    await expect(network.deliver({ ...signed, id: 'i'.repeat(20 * MB) })).rejects.toMatchObject({ details: { reason: 'malformed' } });
    expect(JSON.stringify(network.audit.entries()).length).toBeLessThan(10_000);
  });

  it('rejects limits no message could use', () => {
    for (const maxMessageBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => setup([], { maxMessageBytes })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', details: expect.objectContaining({ option: 'maxMessageBytes' }) }));
    }
    for (const maxMessageDepth of [-1, 2.5, LARGEST_MAX_MESSAGE_DEPTH + 1]) {
      expect(() => setup([], { maxMessageDepth })).toThrow(expect.objectContaining({ code: 'INVALID_NUMBER', details: expect.objectContaining({ option: 'maxMessageDepth' }) }));
    }
    expect(() => setup([], { maxMessageDepth: LARGEST_MAX_MESSAGE_DEPTH })).not.toThrow();
  });
});
