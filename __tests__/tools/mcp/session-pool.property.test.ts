import fc from 'fast-check';
import { createSessionPool, type SessionEndReason, type SessionSlot } from '../../../src/tools/mcp/session-pool';

type Step =
  | { kind: 'admit'; client: string; done: boolean }
  | { kind: 'enter' | 'leave' | 'release' | 'get'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'sweep' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('admit' as const), client: fc.constantFrom('a', 'b', 'c'), done: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('enter' as const, 'leave' as const, 'release' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
);

/** A plain check: expect() in a loop of thousands of steps costs more than the pool under test. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`violated: ${what}`);
}

describe('createSessionPool (properties)', () => {
  it('never exceeds either cap, never ends a busy session, refuses only when the cap is all busy, and expires exactly the idle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.array(step, { minLength: 10, maxLength: 80, size: 'max' }), (maxSessions, maxSessionsPerClient, steps) => {
        let clock = 0;
        let ids = 0;
        const sessionIdleTimeoutMs = 100;
        const ended: [SessionSlot<null>, SessionEndReason][] = [];
        const pool = createSessionPool<null>({ maxSessions, maxSessionsPerClient, sessionIdleTimeoutMs, now: () => clock, onEnd: (slot, reason) => void ended.push([slot, reason]) });
        // Every slot ever admitted, live or not, so steps can also poke at ended ones.
        const seen: SessionSlot<null>[] = [];
        for (const s of steps) {
          const target = seen.length === 0 || !('pick' in s) ? undefined : seen[s.pick % seen.length];
          const before = pool.slots();
          const endedBefore = ended.length;
          if (s.kind === 'admit') {
            const result = pool.admit(s.client, null);
            const mine = before.filter((slot) => slot.client === s.client && !(slot.open === 0 && clock - slot.lastActive >= sessionIdleTimeoutMs));
            const live = before.filter((slot) => !(slot.open === 0 && clock - slot.lastActive >= sessionIdleTimeoutMs));
            if (result === 'client') check(mine.length === maxSessionsPerClient && mine.every((slot) => slot.open > 0), 'client refused while it had room or an idle session');
            else if (result === 'global') check(live.length === maxSessions && live.every((slot) => slot.open > 0), 'refused while the pool had room or an idle session');
            else {
              pool.bind(result, `s${(ids += 1)}`);
              // Most initialize requests are answered at once; some stay open a while.
              if (s.done) pool.leave(result);
              seen.push(result);
            }
          } else if (s.kind === 'advance') clock += s.ms;
          else if (s.kind === 'sweep') {
            pool.sweep();
            check(pool.slots().every((slot) => slot.open > 0 || clock - slot.lastActive < sessionIdleTimeoutMs), 'an expired session outlived a sweep');
          }
          else if (target !== undefined) {
            if (s.kind === 'enter' && pool.slots().includes(target)) pool.enter(target);
            if (s.kind === 'leave' && target.open > 0) pool.leave(target);
            if (s.kind === 'release') pool.release(target);
            if (s.kind === 'get') {
              const live = pool.slots().includes(target);
              const idle = target.open === 0 && clock - target.lastActive >= sessionIdleTimeoutMs;
              check(pool.get(target.id as string) === (live && !idle ? target : undefined), 'get served an expired or ended session, or lost a live one');
            }
          }
          const slots = pool.slots();
          check(slots.length <= maxSessions, 'over maxSessions');
          for (const client of ['a', 'b', 'c']) check(slots.filter((slot) => slot.client === client).length <= maxSessionsPerClient, 'over maxSessionsPerClient');
          for (const [slot, reason] of ended.slice(endedBefore)) {
            check(slot.open === 0, 'ended a busy session');
            check(reason !== 'expired' || clock - slot.lastActive >= sessionIdleTimeoutMs, 'expired a session before its time');
            check(!slots.includes(slot), 'an ended session is still in the pool');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('makes room by ending the least recently used idle session of the full cap, and refuses once all are busy', () => {
    let clock = 0;
    const ended: string[] = [];
    const pool = createSessionPool<string>({ maxSessions: 10, maxSessionsPerClient: 3, sessionIdleTimeoutMs: 1_000, now: () => clock, onEnd: (slot) => void ended.push(slot.value) });
    const admit = (client: string, name: string, busy = false) => {
      clock += 1;
      const slot = pool.admit(client, name);
      if (typeof slot === 'string') throw new Error(`refused: ${slot}`);
      if (!busy) pool.leave(slot);
      return slot;
    };
    const a1 = admit('a', 'a1');
    admit('a', 'a2');
    admit('a', 'a3', true);
    admit('b', 'b1');
    clock += 1;
    pool.enter(a1);
    pool.leave(a1); // a1 used again: a2 is now the least recently used of a's
    admit('a', 'a4', true);
    expect(ended).toEqual(['a2']);
    admit('a', 'a5', true);
    expect(ended).toEqual(['a2', 'a1']);
    expect(pool.admit('a', 'a6')).toBe('client');
    expect(pool.slots().map((slot) => slot.value)).toEqual(['a3', 'b1', 'a4', 'a5']);
  });
});
