import { createIntelligenceScheduler } from '../../src/scheduler/index';
import { createMasterAgentLoop } from '../../src/loop/index';

describe('misuse gets a NoError that says how to fix it', () => {
  it.each([
    ['no agents', () => createMasterAgentLoop({ agents: [] }), 'INVALID_REQUEST', /needs at least one agent: pass agents: \[\{ id: 'worker'/],
    ['agents that are not a list', () => createMasterAgentLoop({} as never), 'INVALID_REQUEST', /needs at least one agent/],
    ['too many tasks', () => createIntelligenceScheduler({ limits: { maxTasks: 2 } }).planExecution({ tasks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }),
      'REQUEST_TOO_LARGE', /3 tasks; the limit is 2: split the request, or raise the limit with createIntelligenceScheduler\(\{ limits: \{ maxTasks: n \} \}\) \(in a master loop: scheduler: \{ limits: \{ maxTasks: n \} \}\)/],
    ['a task input over the limit', () => createIntelligenceScheduler({ limits: { maxTaskInputBytes: 8 } }).planExecution({ tasks: [{ id: 'a', input: 'x'.repeat(20) }] }),
      'REQUEST_TOO_LARGE', /tasks\[0\]\.input is 22 bytes; the limit is 8: .*limits: \{ maxTaskInputBytes: n \}/],
  ])('%s', (_what, misuse, code, message) => {
    expect(misuse).toThrow(expect.objectContaining({ name: 'NoError', code, message: expect.stringMatching(message) }));
  });
});
