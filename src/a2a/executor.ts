import { randomUUID } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { NoError, isNoError, toError } from '../contracts/errors.js';
import { IdSchema } from '../contracts/common.js';
import { TaskSchema } from '../contracts/scheduler.js';
import { invokeAgent, type AgentDefinition, type AgentRunContext } from '../loop/agents.js';
import { contextFromTraceparent } from '../network/trace.js';
import { abortError, timeout } from '../resilience/index.js';
import type { AuditTrail } from '../telemetry/audit.js';
import { withSpan } from '../telemetry/tracer.js';
import { A2A_ATTRIBUTES, A2A_METADATA_KEYS, A2A_SPAN_NAMES } from './names.js';
import { partsToValue, textPart, valueToParts } from './parts.js';
import { ROLE, TASK_STATE, type AgentExecutionEvent, type AgentExecutor, type ExecutionEventBus, type Message, type RequestContext, type TaskState, type TaskStatus } from './sdk.js';
import { stateName } from './states.js';

/** The abort reason a served agent's signal carries when the A2A client cancels its task. */
export const CANCELED_BY_CLIENT = 'canceled by the A2A client';

export interface PoolAgentExecutorOptions {
  /** Receives one `a2a.task` record per served task (success or failure). */
  audit?: AuditTrail;
}

/** The SDK's AgentExecutor around one pool agent, plus what the server needs to shut down. */
export interface PoolAgentExecutor extends AgentExecutor {
  /** Aborts every running task's signal (the server is closing); each ends failed with the reason. */
  abortAll(reason: string): void;
  /** Tasks running now. */
  running(): number;
}

interface Running {
  controller: AbortController;
  contextId: string;
  canceled: boolean;
}

// The SDK's AgentEvent factories, without loading the SDK.
const taskEvent = (data: Extract<AgentExecutionEvent, { kind: 'task' }>['data']): AgentExecutionEvent => ({ kind: 'task', data });
const statusEvent = (data: Extract<AgentExecutionEvent, { kind: 'statusUpdate' }>['data']): AgentExecutionEvent => ({ kind: 'statusUpdate', data });
const artifactEvent = (data: Extract<AgentExecutionEvent, { kind: 'artifactUpdate' }>['data']): AgentExecutionEvent => ({ kind: 'artifactUpdate', data });

const status = (state: TaskState, message?: Message): TaskStatus => ({ state, message, timestamp: new Date().toISOString() });

function agentMessage(taskId: string, contextId: string, text: string, metadata: Record<string, unknown> = {}): Message {
  return { messageId: randomUUID(), contextId, taskId, role: ROLE.agent, parts: [textPart(text)], metadata, extensions: [], referenceTaskIds: [] };
}

const stringAt = (meta: Record<string, unknown>, key: string): string | undefined => {
  const value = meta[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The run context a served agent sees: the caller's task id, idempotency key and dependency
 * outputs when an nO caller sent them in the message metadata (else the A2A task id and the
 * message id), attempt 1, the A2A context id as thread id.
 */
function runContext(agent: AgentDefinition, rc: RequestContext, input: unknown, signal: AbortSignal): AgentRunContext {
  const meta = rc.userMessage.metadata ?? {};
  const callerTaskId = stringAt(meta, A2A_METADATA_KEYS.taskId);
  const id = callerTaskId !== undefined && IdSchema.safeParse(callerTaskId).success ? callerTaskId : rc.taskId;
  const dependencies = meta[A2A_METADATA_KEYS.dependencies];
  return {
    task: TaskSchema.parse({ id, input }),
    dependencies: isRecord(dependencies) ? dependencies : {},
    signal,
    attempt: 1,
    idempotencyKey: stringAt(meta, A2A_METADATA_KEYS.idempotencyKey) ?? rc.userMessage.messageId,
    agentId: agent.id,
    threadId: rc.contextId,
  };
}

/** Settles with `work`, or rejects with NoError('ABORTED') the moment `signal` aborts (work is abandoned). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Every abort here carries a NoError reason (a cancel or the server closing).
    const onAbort = (): void => reject(abortError(signal, (signal.reason as Error).message));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

function runAgent(agent: AgentDefinition, input: unknown, ctx: AgentRunContext): Promise<unknown> {
  if (agent.timeoutMs === undefined) return untilAborted(invokeAgent(agent.run, input, ctx), ctx.signal);
  return timeout(agent.timeoutMs).execute(({ signal }) => invokeAgent(agent.run, input, { ...ctx, signal }), ctx.signal);
}

/**
 * Serves one pool agent as an A2A AgentExecutor. Each message becomes one task: a `task` event in
 * state submitted, a `working` status update, then either an artifact holding the output and
 * `completed`, or `failed` with the error message as the status message (and `{ message, code }`
 * under `A2A_METADATA_KEYS.error` in its metadata). The message's parts become the agent's input as
 * {@link partsToValue} describes; parts it cannot map fail the task with the reason. A cancel aborts
 * the agent's signal and ends the task `canceled` at once, even when the agent ignores its signal.
 */
export function createPoolAgentExecutor(agent: AgentDefinition, options: PoolAgentExecutorOptions = {}): PoolAgentExecutor {
  const running = new Map<string, Running>();

  async function serve(rc: RequestContext, bus: ExecutionEventBus, entry: Running): Promise<void> {
    const { taskId, contextId } = rc;
    const meta = rc.userMessage.metadata ?? {};
    const publish = (s: TaskStatus): void => bus.publish(statusEvent({ taskId, contextId, status: s, metadata: {} }));
    const audit = (outcome: 'success' | 'failure', state: TaskState, extra: Record<string, unknown> = {}): void =>
      void options.audit?.append({
        actor: agent.id,
        action: 'a2a.task',
        outcome,
        details: { taskId, contextId, state: stateName(state), idempotencyKey: stringAt(meta, A2A_METADATA_KEYS.idempotencyKey) ?? rc.userMessage.messageId, ...extra },
      });
    const attributes = { [A2A_ATTRIBUTES.agentId]: agent.id, [A2A_ATTRIBUTES.taskId]: taskId, [A2A_ATTRIBUTES.contextId]: contextId };

    const work = withSpan(A2A_SPAN_NAMES.serve, attributes, async (span) => {
      publish(status(TASK_STATE.working));
      try {
        const input = partsToValue(rc.userMessage.parts, 'message');
        const output = await runAgent(agent, input, runContext(agent, rc, input, entry.controller.signal));
        const parts = valueToParts(output, `agent '${agent.id}' output`, 'TASK_FAILED');
        bus.publish(
          artifactEvent({
            taskId,
            contextId,
            artifact: { artifactId: randomUUID(), name: 'output', description: `Output of nO agent '${agent.id}'.`, parts, metadata: {}, extensions: [] },
            append: false,
            lastChunk: true,
            metadata: {},
          }),
        );
        publish(status(TASK_STATE.completed));
        span.setAttribute(A2A_ATTRIBUTES.state, 'completed');
        audit('success', TASK_STATE.completed);
      } catch (thrown) {
        const error = toError(thrown);
        const state = entry.canceled ? TASK_STATE.canceled : TASK_STATE.failed;
        span.setAttribute(A2A_ATTRIBUTES.state, stateName(state));
        audit('failure', state, { error: error.message });
        // A cancel has already published its own terminal status.
        if (!entry.canceled) {
          const reported = { message: error.message, ...(isNoError(error) ? { code: error.code } : {}) };
          publish(status(TASK_STATE.failed, agentMessage(taskId, contextId, error.message, { [A2A_METADATA_KEYS.error]: reported })));
        }
        throw error;
      }
    });
    // The failure is already a task status, a span status and an audit record.
    await work.catch(() => undefined);
  }

  return {
    async execute(rc, bus) {
      const { taskId, contextId } = rc;
      bus.publish(
        taskEvent({ id: taskId, contextId, status: status(TASK_STATE.submitted), artifacts: [], history: [rc.userMessage], metadata: {} }),
      );
      const entry: Running = { controller: new AbortController(), contextId, canceled: false };
      running.set(taskId, entry);
      const traceparent = stringAt(rc.userMessage.metadata ?? {}, A2A_METADATA_KEYS.traceparent);
      try {
        await context.with(contextFromTraceparent(traceparent), () => serve(rc, bus, entry));
      } finally {
        running.delete(taskId);
      }
    },
    async cancelTask(taskId, bus) {
      const entry = running.get(taskId);
      if (entry) {
        entry.canceled = true;
        entry.controller.abort(new NoError('ABORTED', CANCELED_BY_CLIENT));
      }
      const contextId = entry?.contextId ?? '';
      bus.publish(
        statusEvent({ taskId, contextId, status: status(TASK_STATE.canceled, agentMessage(taskId, contextId, CANCELED_BY_CLIENT)), metadata: {} }),
      );
    },
    abortAll(reason) {
      for (const entry of running.values()) entry.controller.abort(new NoError('ABORTED', reason));
    },
    running: () => running.size,
  };
}
