import { isNoError } from '../../src/contracts/errors';
import { createAgentPool } from '../../src/loop/index';
import { loopWith, request, sleepMs, thread } from './helpers';

const agent = (id: string, maxConcurrency: number) => ({ id, capabilities: ['work'], maxConcurrency, run: async () => id });

describe('AgentPool.limit', () => {
  it('caps the slots available() offers, and lifts the cap with undefined', () => {
    const pool = createAgentPool().add([agent('a', 4)]);
    pool.limit('a', 2);
    expect(pool.concurrency('a')).toBe(2);
    pool.begin('a');
    expect(pool.available('a')).toBe(true);
    pool.begin('a');
    expect(pool.available('a')).toBe(false);
    pool.limit('a', undefined);
    expect(pool.concurrency('a')).toBe(4);
    expect(pool.available('a')).toBe(true);
  });

  it('never raises the definition\'s limit', () => {
    const pool = createAgentPool().add([agent('a', 1)]);
    pool.limit('a', 8);
    expect(pool.concurrency('a')).toBe(1);
    pool.begin('a');
    expect(pool.available('a')).toBe(false);
  });

  it('wakes waiting runs when a cap is lifted, not when it is lowered', () => {
    const pool = createAgentPool().add([agent('a', 4)]);
    let wakes = 0;
    pool.onCapacityFreed(() => wakes++);
    pool.limit('a', 1);
    expect(wakes).toBe(0);
    pool.limit('a', 3);
    expect(wakes).toBe(1);
  });

  it.each([0, 1.5, -2, Number.NaN])('refuses a cap of %p with a NoError saying how to lift it', (cap) => {
    const pool = createAgentPool().add([agent('a', 4)]);
    let caught: unknown;
    try {
      pool.limit('a', cap);
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught) && caught.code === 'INVALID_NUMBER' && /undefined to lift/.test(caught.message)).toBe(true);
    expect(() => pool.limit('nobody', 1)).toThrow(/no agent 'nobody'/);
  });

  it('holds a running loop to the cap', async () => {
    let running = 0;
    let peak = 0;
    const { loop } = loopWith([{
      id: 'a', capabilities: ['work'], maxConcurrency: 4,
      run: async () => {
        peak = Math.max(peak, ++running);
        await sleepMs(10);
        running--;
        return 'ok';
      },
    }]);
    loop.pool.limit('a', 1);
    const tasks = Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, capability: 'work' }));
    const out = await loop.invoke(request(tasks), thread());
    expect(out.status).toBe('completed');
    expect(peak).toBe(1);
  });
});
