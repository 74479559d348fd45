import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, sleepMs, thread } from './helpers';

describe('compensation of a failed run (saga)', () => {
  it('undoes the completed tasks last finished first, announcing and auditing each one as it ends', async () => {
    const log: string[] = [];
    const worker: AgentDefinition = {
      id: 'w', capabilities: ['work'], maxConcurrency: 3,
      run: async (input, ctx) => {
        if (ctx.task.id === 'charge') throw new Error('card declined');
        await sleepMs((input as { ms: number }).ms, ctx.signal);
        return ctx.task.id;
      },
      compensate: async (_output, ctx) => {
        log.push(`undo ${ctx.task.id}`);
        if (ctx.task.id === 'hold') throw new Error('cannot release the hold');
      },
    };
    const { loop, events } = loopWith([worker], { retries: 0 });
    loop.onEvent((e) => { if (e.type === 'no.task.compensated') log.push(`event ${(e.data as { taskId: string }).taskId}`); });
    const out = await loop.invoke(
      request([
        { id: 'reserve', capability: 'work', input: { ms: 90 } },
        { id: 'hold', capability: 'work', input: { ms: 10 } },
        { id: 'notify', capability: 'work', input: { ms: 50 } },
        { id: 'charge', capability: 'work', dependsOn: ['reserve', 'hold', 'notify'] },
      ]),
      thread(),
    );
    expect(out.status).toBe('failed');

    const lastFinishedFirst = ['reserve', 'hold', 'notify'].sort((a, b) => out.tasks[b]!.finishedAt! - out.tasks[a]!.finishedAt!);
    expect(log).toEqual(lastFinishedFirst.flatMap((id) => [`undo ${id}`, `event ${id}`]));
    expect(out.compensated).toEqual(lastFinishedFirst.filter((id) => id !== 'hold'));
    const failed = events.find((e) => e.type === 'no.task.compensated' && (e.data as { taskId: string }).taskId === 'hold');
    expect(failed?.data).toEqual({ taskId: 'hold', success: false, error: 'cannot release the hold' });
    const audited = loop.audit.entries().filter((e) => e.action === 'recovery.compensate');
    expect(audited.map((e) => [e.details['taskId'], e.outcome])).toEqual(lastFinishedFirst.map((id) => [id, id === 'hold' ? 'failure' : 'success']));
    expect(out.feedback).toMatchObject({ compensatedTasks: 2 });
  });
});
