import { randomUUID } from 'node:crypto';
import { TaskSchema } from '../../src/contracts/index';
import type { AgentRunContext } from '../../src/loop/index';
import { ClientFactory, Role, type Client, type Part, type SendMessageRequest, type Task } from './fixtures/sdk';

/** A SendMessageRequest as any A2A client would build it. */
export function messageRequest(parts: Part[], extra: { contextId?: string; taskId?: string; metadata?: Record<string, unknown> } = {}): SendMessageRequest {
  return {
    tenant: '',
    message: {
      messageId: randomUUID(),
      contextId: extra.contextId ?? '',
      taskId: extra.taskId ?? '',
      role: Role.ROLE_USER,
      parts,
      metadata: extra.metadata,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };
}

/** The SDK's own client for the agent at `url`. */
export const sdkClient = (url: string): Promise<Client> => new ClientFactory().createFromUrl(url);

export async function sendForTask(client: Client, parts: Part[], extra?: Parameters<typeof messageRequest>[1]): Promise<Task> {
  const result = await client.sendMessage(messageRequest(parts, extra));
  if (!('id' in result)) throw new Error('expected a task');
  return result;
}

/** The run context the loop would pass an agent (what a remote agent's `run` receives). */
export function runContext(overrides: Partial<AgentRunContext> = {}): AgentRunContext {
  return {
    task: TaskSchema.parse({ id: 'task-1' }),
    dependencies: {},
    signal: new AbortController().signal,
    attempt: 1,
    idempotencyKey: 'idem-1',
    agentId: 'remote',
    threadId: 'thread-1',
    ...overrides,
  };
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown>; classification?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
