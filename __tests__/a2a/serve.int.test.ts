/**
 * Two processes: the child serves a pool agent with serveAgentOverA2A; this process talks to it with
 * the A2A SDK's own client only.
 */
import { startChild, type Child } from './fixtures/child';
import { ClientFactory, TaskState, type Client, type Part, type StreamResponse, type Task } from './fixtures/sdk';
import { dataPart, textPart } from './fixtures/sdk-app';
import { messageRequest as request, sendForTask as send } from './helpers';

jest.mock('jose', () => jest.requireActual('./fixtures/jose-stub'));

let child: Child;
let client: Client;

beforeAll(async () => {
  child = await startChild('serve-calc.ts', { name: 'Calculator' });
  client = await new ClientFactory().createFromUrl(child.url);
});
afterAll(() => child?.stop());

const sendForTask = (parts: Part[], extra?: Parameters<typeof request>[1]): Promise<Task> => send(client, parts, extra);

const describeEvent = (e: StreamResponse): string => {
  const p = e.payload;
  if (p?.$case === 'task') return `task:${p.value.status?.state}`;
  if (p?.$case === 'statusUpdate') return `status:${p.value.status?.state}`;
  return String(p?.$case);
};

describe('a pool agent served over A2A, reached from another process with the SDK client', () => {
  it('serves an agent card with a skill per capability and streaming on, at the well-known path', async () => {
    const card = await client.getAgentCard();
    expect(card).toMatchObject({ name: 'Calculator', version: '2.1.0', description: 'Sums numbers; fails when asked; waits when asked.' });
    expect(card.skills.map((s) => s.id)).toEqual(['math', 'sum']);
    expect(card.capabilities?.streaming).toBe(true);
    const raw = await fetch(`${child.url}/.well-known/agent-card.json`);
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { name: string }).name).toBe('Calculator');
  });

  it('answers message/send with the completed task holding the output as a data artifact', async () => {
    const task = await sendForTask([dataPart({ numbers: [1, 2, 3] })], { contextId: 'thread-9', metadata: { 'no.idempotencyKey': 'key-1' } });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.contextId).toBe('thread-9');
    expect(task.artifacts).toHaveLength(1);
    expect(task.artifacts[0]!.parts[0]!.content).toEqual({ $case: 'data', value: { sum: 6, idempotencyKey: 'key-1', threadId: 'thread-9' } });
  });

  it('answers tasks/get with the same task and status after message/send', async () => {
    const sent = await sendForTask([dataPart({ numbers: [4, 5] })]);
    const got = await client.getTask({ tenant: '', id: sent.id });
    expect(got.id).toBe(sent.id);
    expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(got.artifacts[0]!.parts[0]!.content).toEqual({ $case: 'data', value: expect.objectContaining({ sum: 9 }) });
  });

  it('streams submitted, working, the artifact and completed in order on message/stream', async () => {
    const events: StreamResponse[] = [];
    for await (const event of client.sendMessageStream(request([textPart('hello')]))) events.push(event);
    expect(events.map(describeEvent)).toEqual([
      `task:${TaskState.TASK_STATE_SUBMITTED}`,
      `status:${TaskState.TASK_STATE_WORKING}`,
      'artifactUpdate',
      `status:${TaskState.TASK_STATE_COMPLETED}`,
    ]);
    const artifact = events[2]!.payload;
    expect(artifact?.$case === 'artifactUpdate' && artifact.value.artifact?.parts[0]?.content).toEqual({ $case: 'text', value: 'echo: hello' });
  });

  it('ends a task whose agent throws as failed, with the error in the status message', async () => {
    const task = await sendForTask([dataPart({ fail: 'on purpose' })]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(task.status?.message?.parts[0]?.content).toEqual({ $case: 'text', value: 'asked to fail: on purpose' });
    expect(task.status?.message?.metadata?.['no.error']).toEqual({ message: 'asked to fail: on purpose' });
  });

  it('fails input it cannot map (unparseable JSON text) with a clear message, and keeps serving', async () => {
    const bad: Part = { ...textPart('{not json'), mediaType: 'application/json' };
    const task = await sendForTask([bad]);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(JSON.stringify(task.status?.message?.parts)).toMatch(/declared application\/json but is not valid JSON/);
    expect((await sendForTask([dataPart({ numbers: [1] })])).status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('cancels a slow task on tasks/cancel: the task and its stream end canceled', async () => {
    const stream = client.sendMessageStream(request([dataPart({ waitMs: 60_000 })]));
    const seen: StreamResponse[] = [];
    let canceled: Task | undefined;
    for await (const event of stream) {
      seen.push(event);
      if (event.payload?.$case === 'statusUpdate' && event.payload.value.status?.state === TaskState.TASK_STATE_WORKING) {
        canceled = await client.cancelTask({ tenant: '', id: event.payload.value.taskId, metadata: undefined });
      }
    }
    expect(canceled?.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(seen.map(describeEvent).at(-1)).toBe(`status:${TaskState.TASK_STATE_CANCELED}`);
    const got = await client.getTask({ tenant: '', id: canceled!.id });
    expect(got.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });
});
