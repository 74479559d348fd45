import { InMemoryStore } from '@langchain/langgraph';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { createSharedKnowledge, DEFAULT_KNOWLEDGE_NAMESPACE, type SharedKnowledgeOptions } from '../../src/coordination/knowledge';
import { isNoError, type NoError } from '../../src/contracts/index';
import { createAgentNetwork, createKeyring } from '../../src/network/index';

const kinds = { fact: z.object({ text: z.string().min(1), confidence: z.number().min(0).max(1) }) };
const fact = (text: string) => ({ kind: 'fact', scope: 'team-a', content: { text, confidence: 0.9 } });
const ns = (...rest: string[]) => [...DEFAULT_KNOWLEDGE_NAMESPACE, 'team-a', ...rest];

async function rejectionOf(promise: Promise<unknown>): Promise<NoError> {
  try {
    await promise;
  } catch (error) {
    if (isNoError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function setup(extra: Partial<SharedKnowledgeOptions> = {}) {
  const store = new InMemoryStore();
  const network = createAgentNetwork();
  let clock = 1_000_000;
  const knowledge = createSharedKnowledge({ store, network, kinds, quorum: 2, now: () => clock, ...extra });
  return { store, network, knowledge, advance: (ms: number) => void (clock += ms) };
}

describe('shared knowledge', () => {
  it('stores a signed item with provenance and a time to live, and reads it back verified', async () => {
    const { knowledge } = setup({ ttlMs: 60_000 });
    const item = await knowledge.shareKnowledge('researcher', { ...fact('rate limit is 60/min'), provenance: { source: 'docs', taskId: 't1' } });
    expect(item).toMatchObject({ kind: 'fact', scope: 'team-a', author: 'researcher', provenance: { source: 'docs', taskId: 't1' }, createdAt: 1_000_000, expiresAt: 1_060_000, confirmedBy: [], accepted: false });
    const read = await knowledge.getSharedKnowledge('writer', { scope: 'team-a' });
    expect(read.refused).toEqual([]);
    expect(read.items).toEqual([item]);
    expect(read.items[0]!.content).toEqual({ text: 'rate limit is 60/min', confidence: 0.9 });
  });

  it('keeps scopes apart: a team reads only its own namespace', async () => {
    const { knowledge } = setup();
    await knowledge.shareKnowledge('a', fact('for team a'));
    await knowledge.shareKnowledge('b', { ...fact('for team b'), scope: 'team-b' });
    expect((await knowledge.getSharedKnowledge('r', { scope: 'team-a' })).items.map((i) => i.author)).toEqual(['a']);
    expect((await knowledge.getSharedKnowledge('r', { scope: 'team-b' })).items.map((i) => i.author)).toEqual(['b']);
    expect((await knowledge.getSharedKnowledge('r')).items).toEqual([]);
  });

  it('accepts an item once k other agents confirm it; duplicates count once and the author cannot confirm', async () => {
    const { knowledge } = setup();
    const item = await knowledge.shareKnowledge('author', fact('x'));
    const self = await rejectionOf(knowledge.confirmKnowledge('author', item.id, { scope: 'team-a' }));
    expect(self).toMatchObject({ code: 'KNOWLEDGE_REFUSED', details: { reason: 'self-confirmation' } });
    expect(self.message).toMatch(/another agent must/);
    const once = await knowledge.confirmKnowledge('r1', item.id, { scope: 'team-a' });
    expect(once).toMatchObject({ confirmedBy: ['r1'], accepted: false });
    const twice = await knowledge.confirmKnowledge('r1', item.id, { scope: 'team-a' });
    expect(twice).toMatchObject({ confirmedBy: ['r1'], accepted: false });
    const accepted = await knowledge.confirmKnowledge('r2', item.id, { scope: 'team-a' });
    expect(accepted).toMatchObject({ confirmedBy: ['r1', 'r2'], accepted: true });
    expect((await knowledge.getSharedKnowledge('reader', { scope: 'team-a', acceptedOnly: true })).items.map((i) => i.id)).toEqual([item.id]);
  });

  it('takes zod 3 schemas as well as zod 4 ones, with the same checks', async () => {
    const { knowledge } = setup({ kinds: { fact: z3.object({ text: z3.string().min(1) }) } });
    await expect(knowledge.shareKnowledge('a', { kind: 'fact', scope: 'team-a', content: { text: 'ok' } })).resolves.toMatchObject({ kind: 'fact' });
    const wrong = await rejectionOf(knowledge.shareKnowledge('a', { kind: 'fact', scope: 'team-a', content: { text: '' } }));
    expect(wrong).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'invalid-content' } });
    expect(wrong.message).toMatch(/text: /);
  });

  it('refuses an unknown kind and content of the wrong schema with INVALID_INPUT that says how to fix it', async () => {
    const { knowledge } = setup();
    const unknown = await rejectionOf(knowledge.shareKnowledge('a', { kind: 'rumour', scope: 'team-a', content: 'x' }));
    expect(unknown).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'unknown-kind' } });
    expect(unknown.message).toMatch(/registerKind/);
    const wrong = await rejectionOf(knowledge.shareKnowledge('a', { kind: 'fact', scope: 'team-a', content: { text: '', confidence: 2 } }));
    expect(wrong).toMatchObject({ code: 'INVALID_INPUT', details: { reason: 'invalid-content' } });
    expect(wrong.message).toMatch(/confidence/);
    knowledge.registerKind('rumour', z.string());
    await expect(knowledge.shareKnowledge('a', { kind: 'rumour', scope: 'team-a', content: 'x' })).resolves.toMatchObject({ kind: 'rumour' });
    expect(await rejectionOf(knowledge.shareKnowledge('a', { ...fact('x'), scope: 'no.dots' }))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => createSharedKnowledge(undefined as never)).toThrow(/pass createSharedKnowledge\(\{ store: new InMemoryStore\(\)/);
  });

  it('names items and scopes only with what every Store accepts in a namespace label (PostgresStore refuses _ and %)', async () => {
    const { knowledge } = setup();
    // Each id is the namespace label its confirmations live under, with the network signer and with a keyring.
    const viaKeyring = createSharedKnowledge({ store: new InMemoryStore(), keyring: createKeyring({ secret: 'a-keyring-secret-of-at-least-32-bytes-00' }), kinds });
    for (let i = 0; i < 40; i++) {
      expect((await knowledge.shareKnowledge('a', fact(`n${i}`))).id).toMatch(/^[0-9a-z-]+$/);
      expect((await viaKeyring.shareKnowledge('a', fact(`n${i}`))).id).toMatch(/^k-[0-9a-f]{24}$/);
    }
    const underscore = await rejectionOf(knowledge.shareKnowledge('a', { ...fact('x'), scope: 'team_a' }));
    expect(underscore).toMatchObject({ code: 'INVALID_INPUT' });
    expect(underscore.message).toMatch(/no dots or underscores/);
  });

  it('refuses an expired item on read (with the reason) and on confirm', async () => {
    const { knowledge, advance } = setup({ ttlMs: 1_000 });
    const item = await knowledge.shareKnowledge('a', fact('short-lived'));
    const long = await knowledge.shareKnowledge('a', { ...fact('long-lived'), ttlMs: 10_000 });
    advance(1_000);
    const read = await knowledge.getSharedKnowledge('r', { scope: 'team-a' });
    expect(read.items.map((i) => i.id)).toEqual([long.id]);
    expect(read.refused).toEqual([expect.objectContaining({ itemId: item.id, reason: 'expired' })]);
    expect(await rejectionOf(knowledge.confirmKnowledge('b', item.id, { scope: 'team-a' }))).toMatchObject({ code: 'KNOWLEDGE_REFUSED', details: { reason: 'expired' } });
  });

  it('detects a value tampered with in the Store and never returns it as trusted', async () => {
    const { knowledge, store, network } = setup();
    const item = await knowledge.shareKnowledge('a', fact('the truth'));
    const stored = await store.get(ns(), item.id);
    const value = structuredClone(stored!.value) as { message: { payload: { content: { text: string } } } };
    value.message.payload.content.text = 'a lie';
    await store.put(ns(), item.id, value);
    const read = await knowledge.getSharedKnowledge('r', { scope: 'team-a' });
    expect(read.items).toEqual([]);
    expect(read.refused).toEqual([expect.objectContaining({ itemId: item.id, record: 'item', reason: 'bad-signature' })]);
    expect(network.audit.entries().some((e) => e.action === 'knowledge.read' && e.outcome === 'denied')).toBe(true);
    expect(await rejectionOf(knowledge.confirmKnowledge('b', item.id, { scope: 'team-a' }))).toMatchObject({ code: 'KNOWLEDGE_REFUSED', details: { reason: 'bad-signature' } });
  });

  it('detects an item whose unsigned index fields or key were changed', async () => {
    const { knowledge, store } = setup();
    const item = await knowledge.shareKnowledge('a', fact('x'));
    const stored = await store.get(ns(), item.id);
    await store.put(ns(), item.id, { ...stored!.value, author: 'someone-else' });
    await store.put(ns(), 'copied-key', stored!.value);
    const read = await knowledge.getSharedKnowledge('r', { scope: 'team-a' });
    expect(read.items).toEqual([]);
    expect(read.refused.map((r) => r.reason).sort()).toEqual(['tampered', 'tampered']);
  });

  it('refuses a forged item signed with another agent\'s key', async () => {
    const { knowledge, store, network } = setup();
    // mallory signs a record that claims alice wrote it
    const forged = network.sign('mallory', { topic: 'knowledge' }, { type: 'knowledge.item', payload: { kind: 'fact', scope: 'team-a', content: { text: 'x', confidence: 1 }, provenance: {}, createdAt: 1_000_000, expiresAt: 2_000_000 } });
    const claimed = { ...forged, from: 'alice' };
    network.identity('alice');
    await store.put(ns(), forged.id, { record: 'item', kind: 'fact', author: 'alice', message: claimed });
    const read = await knowledge.getSharedKnowledge('r', { scope: 'team-a' });
    expect(read.items).toEqual([]);
    expect(read.refused).toEqual([expect.objectContaining({ reason: 'bad-signature' })]);
  });

  it('does not count a replayed confirmation, a confirmation signed with another agent\'s key, or one for another item', async () => {
    const { knowledge, store, network } = setup({ quorum: 2 });
    const item = await knowledge.shareKnowledge('author', fact('x'));
    const other = await knowledge.shareKnowledge('author', fact('y'));
    await knowledge.confirmKnowledge('r1', item.id, { scope: 'team-a' });
    const r1 = (await store.get(ns(item.id), 'r1'))!.value;
    // replay r1's confirmation under another agent's key: still r1's, counted once, the copy refused
    await store.put(ns(item.id), 'r2', r1);
    // r1's confirmation of `item` copied onto `other`
    await store.put(ns(other.id), 'r1', r1);
    // mallory signs a confirmation in r3's name
    const stolen = network.sign('mallory', { topic: 'knowledge' }, { type: 'knowledge.confirm', payload: (r1 as { message: { payload: unknown } }).message.payload });
    await store.put(ns(item.id), 'r3', { record: 'confirmation', itemId: item.id, message: { ...stolen, from: 'r3' } });
    const read = await knowledge.getSharedKnowledge('reader', { scope: 'team-a' });
    const byId = new Map(read.items.map((i) => [i.id, i]));
    expect(byId.get(item.id)).toMatchObject({ confirmedBy: ['r1'], accepted: false });
    expect(byId.get(other.id)).toMatchObject({ confirmedBy: [], accepted: false });
    expect(read.refused.map((r) => [r.key, r.reason]).sort()).toEqual([['r1', 'wrong-item'], ['r2', 'tampered'], ['r3', 'bad-signature']]);
  });

  it('does not count an author\'s own confirmation written straight to the Store', async () => {
    const { knowledge, store, network } = setup({ quorum: 1 });
    const item = await knowledge.shareKnowledge('author', fact('x'));
    await knowledge.confirmKnowledge('r1', item.id, { scope: 'team-a' });
    const payload = ((await store.get(ns(item.id), 'r1'))!.value as { message: { payload: unknown } }).message.payload;
    await store.delete(ns(item.id), 'r1');
    const own = network.sign('author', { topic: 'knowledge' }, { type: 'knowledge.confirm', payload });
    await store.put(ns(item.id), 'author', { record: 'confirmation', itemId: item.id, message: own });
    const read = await knowledge.getSharedKnowledge('reader', { scope: 'team-a' });
    expect(read.items[0]).toMatchObject({ confirmedBy: [], accepted: false });
    expect(read.refused).toEqual([expect.objectContaining({ key: 'author', reason: 'self-confirmation' })]);
  });

  it('stops counting a revoked agent\'s confirmation and refuses its items', async () => {
    const { knowledge, network } = setup({ quorum: 1 });
    const item = await knowledge.shareKnowledge('author', fact('x'));
    await knowledge.confirmKnowledge('r1', item.id, { scope: 'team-a' });
    network.revoke('r1');
    expect((await knowledge.getSharedKnowledge('reader', { scope: 'team-a' })).items[0]).toMatchObject({ confirmedBy: [], accepted: false });
    network.revoke('author');
    const read = await knowledge.getSharedKnowledge('reader', { scope: 'team-a' });
    expect(read.items).toEqual([]);
    expect(read.refused).toEqual([expect.objectContaining({ reason: 'revoked' })]);
  });

  it('verifies across processes that share a keyring secret, and refuses what an unknown key signed', async () => {
    const store = new InMemoryStore();
    const secret = 'a-secret-of-at-least-32-bytes-0123456789';
    const one = createSharedKnowledge({ store, keyring: createKeyring({ secret }), kinds });
    const two = createSharedKnowledge({ store, keyring: createKeyring({ secret }), kinds });
    const stranger = createSharedKnowledge({ store, keyring: createKeyring({ secret: 'another-secret-of-at-least-32-bytes-000' }), kinds });
    const item = await one.shareKnowledge('a', fact('x'));
    await two.confirmKnowledge('b', item.id, { scope: 'team-a' });
    await two.confirmKnowledge('c', item.id, { scope: 'team-a' });
    expect((await one.getSharedKnowledge('r', { scope: 'team-a' })).items[0]).toMatchObject({ id: item.id, confirmedBy: ['b', 'c'], accepted: true });
    const seen = await stranger.getSharedKnowledge('r', { scope: 'team-a' });
    expect(seen.items).toEqual([]);
    expect(seen.refused).toEqual([expect.objectContaining({ reason: 'bad-signature' })]);
  });

  it('filters by kind and author, and needs a signer and a store', async () => {
    const { knowledge } = setup();
    knowledge.registerKind('note', z.string());
    await knowledge.shareKnowledge('a', fact('x'));
    await knowledge.shareKnowledge('b', { kind: 'note', scope: 'team-a', content: 'n' });
    expect((await knowledge.getSharedKnowledge('r', { scope: 'team-a', kind: 'note' })).items.map((i) => i.author)).toEqual(['b']);
    expect((await knowledge.getSharedKnowledge('r', { scope: 'team-a', author: 'a' })).items.map((i) => i.kind)).toEqual(['fact']);
    expect(() => createSharedKnowledge({ store: new InMemoryStore() })).toThrow(/pass createSharedKnowledge\(\{ store, network \}\)/);
    expect(() => createSharedKnowledge({ network: createAgentNetwork() } as unknown as SharedKnowledgeOptions)).toThrow(/LangGraph Store/);
    expect(() => createSharedKnowledge({ store: new InMemoryStore(), network: createAgentNetwork(), quorum: 0 })).toThrow(/quorum/);
  });

  it('prunes expired items with their confirmations, and leaves live ones and forgeries alone', async () => {
    const { knowledge, store, advance } = setup({ ttlMs: 1_000 });
    const old = await knowledge.shareKnowledge('a', fact('old'));
    await knowledge.confirmKnowledge('b', old.id, { scope: 'team-a' });
    advance(500);
    const live = await knowledge.shareKnowledge('a', fact('live'));
    const tampered = await knowledge.shareKnowledge('a', fact('tampered'));
    const value = structuredClone((await store.get(ns(), tampered.id))!.value) as { message: { payload: { expiresAt: number } } };
    value.message.payload.expiresAt = 0;
    await store.put(ns(), tampered.id, value);
    advance(600);
    expect(await knowledge.pruneExpired({ scope: 'team-a' })).toBe(1);
    expect(await store.get(ns(), old.id)).toBeNull();
    expect(await store.search(ns(old.id))).toEqual([]);
    expect(await store.get(ns(), live.id)).not.toBeNull();
    expect(await store.get(ns(), tampered.id)).not.toBeNull();
  });

  it('records shares and confirmations in the audit trail, and binds ctx-style provenance with forAgent', async () => {
    const { knowledge, network } = setup();
    const agent = knowledge.forAgent('a', { provenance: { taskId: 't9', threadId: 'th' } });
    const item = await agent.share({ ...fact('x'), provenance: { source: 'tool', taskId: 'own' } });
    expect(item.provenance).toEqual({ taskId: 'own', threadId: 'th', source: 'tool' });
    await knowledge.forAgent('b').confirm(item.id, { scope: 'team-a' });
    const actions = network.audit.entries().map((e) => [e.actor, e.action, e.outcome]);
    expect(actions).toEqual(expect.arrayContaining([['a', 'knowledge.share', 'success'], ['b', 'knowledge.confirm', 'success']]));
    expect(await rejectionOf(knowledge.confirmKnowledge('b', 'no-such-item', { scope: 'team-a' }))).toMatchObject({ code: 'KNOWLEDGE_REFUSED', details: { reason: 'not-found' } });
  });

  it('honours an aborted signal before touching the Store', async () => {
    const { knowledge, store } = setup();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(knowledge.shareKnowledge('a', fact('x'), { signal: controller.signal })).rejects.toThrow('stop');
    expect(await store.search(ns())).toEqual([]);
  });
});
