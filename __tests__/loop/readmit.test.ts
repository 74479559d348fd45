import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, thread } from './helpers';

/** Fails a task's first `failures` attempts as its own fault (on whichever agent), then answers. */
const flaky = (id: string, failures: number, ran: string[]): AgentDefinition => ({
  id, capabilities: ['work'],
  run: async (_input, ctx) => {
    ran.push(`${ctx.task.id}#${ctx.attempt}@${id}`);
    if (ctx.attempt <= failures) throw Object.assign(new Error(`${id} broke on attempt ${ctx.attempt}`), { classification: 'agent-fault' });
    return `${ctx.task.id} on ${id}`;
  },
});

describe('a task every agent failed once', () => {
  it('goes back to an agent that is well again while it has retries left, instead of failing for want of agents', async () => {
    const ran: string[] = [];
    const { loop } = loopWith([flaky('a', 2, ran), flaky('b', 2, ran)]);
    const out = await loop.invoke(request([{ id: 't', capability: 'work', retries: 2 }]), thread());
    expect(out.status).toBe('completed');
    expect(ran).toHaveLength(3);
    expect(ran.slice(0, 2).map((r) => r.split('@')[1]).sort()).toEqual(['a', 'b']);
    expect(out.results['t']).toMatch(/^t on [ab]$/);
  });

  it('still fails when its retries are spent: a re-admission counts as one', async () => {
    const ran: string[] = [];
    const { loop } = loopWith([flaky('a', 9, ran), flaky('b', 9, ran)]);
    const out = await loop.invoke(request([{ id: 't', capability: 'work', retries: 1 }]), thread());
    expect(out.status).toBe('failed');
    // Each agent once, then one re-admission (the one retry), then the task fails.
    expect(ran).toEqual(['t#1@a', 't#2@b', 't#3@a']);
  });
});
