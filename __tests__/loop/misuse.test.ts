import { createIntelligenceScheduler } from '../../src/scheduler/index';
import { createMasterAgentLoop } from '../../src/loop/index';

describe('misuse gets a NoError that says how to fix it', () => {
  it.each([
    ['no agents', () => createMasterAgentLoop({ agents: [] }), 'INVALID_REQUEST', /needs at least one agent: pass agents: \[\{ id: 'worker'/],
    ['an agent without capabilities', () => createMasterAgentLoop({ agents: [{ id: 'a', run: async () => 1 }] as never }), 'INVALID_REQUEST',
      /agent 'a': capabilities: an agent needs capabilities: add e\.g\. capabilities: \['http'\]/],
    ['an agent with an empty capability list', () => createMasterAgentLoop({ agents: [{ id: 'a', capabilities: [], run: async () => 1 }] }), 'INVALID_REQUEST',
      /needs at least one capability: add e\.g\. capabilities/],
    ['agents that are not a list', () => createMasterAgentLoop({} as never), 'INVALID_REQUEST', /needs at least one agent/],
    ['too many tasks', () => createIntelligenceScheduler({ limits: { maxTasks: 2 } }).planExecution({ tasks: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }),
      'REQUEST_TOO_LARGE', /3 tasks; the limit is 2: split the request, or raise the limit with createIntelligenceScheduler\(\{ limits: \{ maxTasks: n \} \}\) \(in a master loop: scheduler: \{ limits: \{ maxTasks: n \} \}\)/],
    ['a task input over the limit', () => createIntelligenceScheduler({ limits: { maxTaskInputBytes: 8 } }).planExecution({ tasks: [{ id: 'a', input: 'x'.repeat(20) }] }),
      'REQUEST_TOO_LARGE', /tasks\[0\]\.input is 22 bytes; the limit is 8: .*limits: \{ maxTaskInputBytes: n \}/],
  ])('%s', (_what, misuse, code, message) => {
    expect(misuse).toThrow(expect.objectContaining({ name: 'NoError', code, message: expect.stringMatching(message) }));
  });
});

describe('a tool layer', () => {
  it('refuses a root that does not exist when it is made, not at its first call', () => {
    const { createToolLayer } = require('../../src/tools/index') as typeof import('../../src/tools/index');
    expect(() => createToolLayer('execution', { root: './no-such-workspace' })).toThrow(
      expect.objectContaining({ code: 'INVALID_REQUEST', message: expect.stringMatching(/the sandbox root '\.\/no-such-workspace' does not exist: create it first \(mkdir -p/) }),
    );
    expect(() => createToolLayer('execution', { root: __filename })).toThrow(expect.objectContaining({ message: expect.stringMatching(/is not a folder/) }));
  });
});

describe('a loop with a checkpointer', () => {
  it('run without a thread_id says to pass one, not that LangGraph is unsupported', async () => {
    const { MemorySaver } = require('@langchain/langgraph') as typeof import('@langchain/langgraph');
    const loop = createMasterAgentLoop({ agents: [{ id: 'a', capabilities: ['x'], run: async () => 1 }], checkpointer: new MemorySaver() });
    const request = { request: { tasks: [{ id: 't', capability: 'x' }] } };
    for (const config of [undefined, { configurable: {} }]) {
      await expect(loop.invoke(request, config)).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/configurable: \{ thread_id: 'run-1' \}/) });
    }
  });
});

describe('a tool layer level', () => {
  it('that does not exist names the levels there are; an execution layer without a root shows one', () => {
    const { createToolLayer } = require('../../src/tools/index') as typeof import('../../src/tools/index');
    expect(() => createToolLayer('bogus' as never)).toThrow(expect.objectContaining({ message: expect.stringMatching(/'primitive', 'execution' or 'dashboard'/) }));
    expect(() => createToolLayer('execution', {} as never)).toThrow(expect.objectContaining({ message: expect.stringMatching(/root: '\.\/workspace'/) }));
  });
});
