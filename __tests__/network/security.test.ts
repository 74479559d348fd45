import { generateKeyPairSync, sign } from 'node:crypto';
import { setup, clock, rejection, flush } from './helpers';
import { signingBytes, encodeSignedMessage, decodeSignedMessage, canonicalJson } from '../../src/network/canonical';
import { createKeyring } from '../../src/network/keyring';
import { compileMessagePolicy } from '../../src/network/policy';
import type { DeliveredMessage } from '../../src/contracts/network';

const refusedWith = async (promise: Promise<unknown>, code: string, reason: string): Promise<void> => {
  const error = await rejection(promise);
  expect(error.code).toBe(code);
  expect(error.details['reason']).toBe(reason);
};

describe('identity and signatures', () => {
  it('gives each agent one Ed25519 identity, created on registration', () => {
    const { network } = setup(['agent-1']);
    const id = network.identity('agent-1');
    expect(id.publicKey).toMatch(/^MCowBQYDK2Vw/); // SPKI DER prefix of an Ed25519 key
    expect(network.identity('agent-1')).toEqual(id);
    expect(network.identity('agent-9').publicKey).not.toBe(id.publicKey);
    expect(() => network.identity('bad id!')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('encodes canonically: stable key order, JSON rules for the rest', () => {
    expect(canonicalJson({ b: 1, a: [undefined, () => 1, { d: 1, c: 2 }], u: undefined })).toBe('{"a":[null,null,{"c":2,"d":1}],"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(Number.NaN)).toBe('null');
    expect(() => canonicalJson({ n: 1n })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('refuses a forged message signed with another key', async () => {
    const { network } = setup(['a', 'b']);
    const genuine = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const { signature: _unused, ...unsigned } = genuine;
    const forged = { ...unsigned, signature: sign(null, signingBytes(unsigned), privateKey).toString('base64url') };
    await refusedWith(network.deliver(forged), 'SIGNATURE_INVALID', 'bad-signature');
    expect(network.audit.entries().at(-1)).toMatchObject({ actor: 'a', outcome: 'denied', details: { reason: 'bad-signature' } });
  });

  it('refuses a message altered after signing', async () => {
    const { network } = setup(['a', 'b']);
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: { amount: 1 } });
    await refusedWith(network.deliver({ ...signed, payload: { amount: 1000 } }), 'SIGNATURE_INVALID', 'bad-signature');
    await refusedWith(network.deliver({ ...signed, signature: signed.signature.toUpperCase() }), 'SIGNATURE_INVALID', 'bad-signature');
    await expect(network.deliver(signed)).resolves.toBeUndefined();
  });

  it('refuses a replayed nonce and a message outside the time window', async () => {
    const time = clock();
    const { network } = setup(['a', 'b'], { now: time.now, replayWindowMs: 1000 });
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    await network.deliver(signed);
    await refusedWith(network.deliver(signed), 'MESSAGE_REFUSED', 'replayed');
    const old = network.sign('a', { to: 'b' }, { type: 't', payload: 2 });
    time.advance(1001);
    await refusedWith(network.deliver(old), 'MESSAGE_REFUSED', 'expired');
    expect((await network.getNetworkStatus()).refusedByReason).toEqual({ replayed: 1, expired: 1 });
  });

  it('refuses a revoked sender, even for messages already queued', async () => {
    const { network } = setup(['a', 'b', 'c']);
    await network.sendMessage('a', 'b', { type: 't', payload: 'queued before revocation' });
    network.revoke('a');
    await refusedWith(network.sendMessage('a', 'b', { type: 't', payload: 1 }), 'MESSAGE_REFUSED', 'revoked');
    const fromC = network.sign('c', { to: 'b' }, { type: 't', payload: 1 });
    network.revoke('c');
    await refusedWith(network.deliver(fromC), 'MESSAGE_REFUSED', 'revoked');
    const got: unknown[] = [];
    network.subscribeToAgent('b', (m) => void got.push(m.payload));
    await flush();
    expect(got).toEqual([]);
    expect(() => network.identity('a')).toThrow(expect.objectContaining({ code: 'MESSAGE_REFUSED' }));
    expect(() => network.subscribe('t', () => undefined, { as: 'a' })).toThrow(expect.objectContaining({ code: 'MESSAGE_REFUSED' }));
    expect(network.audit.entries().some((e) => e.action === 'message.deliver' && e.details['reason'] === 'revoked')).toBe(true);
  });

  it('refuses senders it holds no key for and malformed messages', async () => {
    const { network } = setup(['a', 'b']);
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: 1 });
    await refusedWith(network.deliver({ ...signed, from: 'stranger' }), 'SIGNATURE_INVALID', 'unknown-sender');
    await refusedWith(network.deliver({ ...signed, topic: 'both' }), 'MESSAGE_REFUSED', 'malformed');
    await refusedWith(network.deliver({ ...signed, nonce: 'x' }), 'MESSAGE_REFUSED', 'malformed');
    await refusedWith(network.deliver(null as unknown as DeliveredMessage), 'MESSAGE_REFUSED', 'malformed');
    await refusedWith(network.deliver('{not json'), 'MESSAGE_REFUSED', 'malformed');
  });

  it('round-trips the wire form and rejects non-canonical or invalid UTF-8 text', async () => {
    const { network } = setup(['a', 'b']);
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: { big: 1e21 } });
    const wire = encodeSignedMessage(signed);
    expect(decodeSignedMessage(Buffer.from(wire))).toEqual(signed);
    expect(() => decodeSignedMessage(wire.replace('e+21', 'E+21'))).toThrow(/canonical/);
    expect(() => decodeSignedMessage(` ${wire}`)).toThrow(/canonical/);
    expect(() => decodeSignedMessage(Uint8Array.from([0xff]))).toThrow(/UTF-8/);
    expect(() => decodeSignedMessage(JSON.stringify({ ...signed, extra: 1 }))).toThrow(/malformed/);
    await expect(network.deliver(Buffer.from(wire))).resolves.toBeUndefined();
  });

  it('lets a keyring trust a remote public key it cannot sign with', () => {
    const local = createKeyring();
    const remote = createKeyring();
    const id = remote.identity('far');
    local.trust('far', id.publicKey);
    const data = Buffer.from('hi');
    expect(local.verify('far', data, remote.sign('far', data))).toBe(true);
    expect(() => local.sign('far', data)).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
    expect(local.verify('nobody', data, 'x')).toBe(false);
    local.revoke('far');
    expect(() => local.trust('far', id.publicKey)).toThrow(expect.objectContaining({ code: 'MESSAGE_REFUSED' }));
  });
});

describe('what a handler gets', () => {
  it('refuses a signed message carrying a field the signature does not cover, as object or wire text', async () => {
    const { network } = setup(['a', 'b']);
    const got: unknown[] = [];
    network.subscribeToAgent('b', (m) => void got.push(m));
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: { role: 'user' } });
    await refusedWith(network.deliver({ ...signed, admin: true } as DeliveredMessage), 'MESSAGE_REFUSED', 'malformed');
    await refusedWith(network.deliver(`${encodeSignedMessage(signed).slice(0, -1)},"zzz":1}`), 'MESSAGE_REFUSED', 'malformed');
    expect(network.audit.entries().at(-2)).toMatchObject({ actor: 'a', outcome: 'denied', details: { reason: 'malformed' } });
    // The genuine message still goes through: refusing the padded copy did not spend its nonce.
    await network.deliver(signed);
    await flush();
    expect(got).toEqual([signed]);
    expect(got[0]).not.toHaveProperty('admin');
  });

  it('hands over the payload as signed, not the object handed in (toJSON, getters, undefined fields)', async () => {
    const { network } = setup(['a', 'b']);
    const got: Array<{ payload?: unknown }> = [];
    network.subscribeToAgent('b', (m) => void got.push(m));
    let reads = 0;
    // Each of these encodes to the signed JSON, so the signature verifies; the handler must get that JSON.
    const standIns = [
      { amount: 1000, toJSON: () => ({ amount: 1 }) },
      Object.defineProperty({}, 'amount', { enumerable: true, get: () => (reads++ === 0 ? 1 : 1000) }),
      { amount: 1, extra: undefined, run: () => 'code' },
    ];
    for (const payload of standIns) {
      const signed = network.sign('a', { to: 'b' }, { type: 't', payload: { amount: 1 } });
      await network.deliver({ ...signed, payload });
    }
    await flush();
    expect(got.map((m) => m.payload)).toEqual([{ amount: 1 }, { amount: 1 }, { amount: 1 }]);
    for (const { payload } of got) {
      expect(Object.getOwnPropertyDescriptor(payload, 'amount')).toMatchObject({ value: 1 });
      expect(Object.keys(payload as object)).toEqual(['amount']);
    }
  });

  it('requeues stored messages as signed, too', async () => {
    const { network } = setup(['a', 'b']);
    const signed = network.sign('a', { to: 'b' }, { type: 't', payload: { amount: 1 } });
    expect(network.requeue([{ ...signed, payload: { amount: 1000, toJSON: () => ({ amount: 1 }) } }])).toBe(1);
    const [message] = await network.receive('b');
    expect(message?.payload).toEqual({ amount: 1 });
    expect(message?.payload).not.toHaveProperty('toJSON');
  });
});


describe('policy', () => {
  it('allows registered agents by default and refuses unregistered senders', async () => {
    const { network } = setup(['b']);
    await refusedWith(network.sendMessage('outsider', 'b', { type: 't', payload: 1 }), 'MESSAGE_REFUSED', 'policy');
    await refusedWith(network.broadcast('outsider', { topic: 'x', type: 't', payload: 1 }), 'MESSAGE_REFUSED', 'policy');
    expect(() => network.subscribe('x', () => undefined, { as: 'outsider' })).toThrow(expect.objectContaining({ code: 'MESSAGE_REFUSED' }));
  });

  it('applies predicates for direct, publish and subscribe', async () => {
    const { network } = setup(['lead', 'w1', 'w2'], {
      policy: { direct: (from, to) => to === 'lead' || from === 'lead', publish: (from) => from === 'lead', subscribe: (_a, topic) => topic !== 'secret' },
    });
    await expect(network.sendMessage('w1', 'lead', { type: 't', payload: 1 })).resolves.toBeDefined();
    await refusedWith(network.sendMessage('w1', 'w2', { type: 't', payload: 1 }), 'MESSAGE_REFUSED', 'policy');
    await refusedWith(network.broadcast('w1', { topic: 'news', type: 't', payload: 1 }), 'MESSAGE_REFUSED', 'policy');
    expect(() => network.subscribe('secret', () => undefined, { as: 'w1' })).toThrow(expect.objectContaining({ code: 'MESSAGE_REFUSED' }));
    expect(network.audit.entries().filter((e) => e.outcome === 'denied')).toHaveLength(3);
  });

  it('applies rule lists: first match wins, no match denies, globs match prefixes', () => {
    const policy = compileMessagePolicy(
      {
        direct: [{ from: 'worker-*', to: 'lead' }, { from: '*', to: ['audit', 'log'] }, { from: 'evil', allow: false }],
        publish: [{ from: 'lead', topic: 'plan.*' }],
        subscribe: [{ agent: 'worker-*', topic: 'plan.*', allow: false }, { topic: '*' }],
      },
      () => true,
    );
    expect(policy.direct('worker-1', 'lead')).toBe(true);
    expect(policy.direct('worker-1', 'worker-2')).toBe(false);
    expect(policy.direct('anyone', 'log')).toBe(true);
    expect(policy.direct('evil', 'x')).toBe(false);
    expect(policy.publish('lead', 'plan.v1')).toBe(true);
    expect(policy.publish('w', 'plan.v1')).toBe(false);
    expect(policy.subscribe('worker-1', 'plan.v1')).toBe(false);
    expect(policy.subscribe('worker-1', 'news')).toBe(true);
  });
});
