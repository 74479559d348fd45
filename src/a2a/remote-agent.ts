import { randomUUID } from 'node:crypto';
import { AgentConfigurationSchema } from '../contracts/loop.js';
import { NoError } from '../contracts/errors.js';
import { parseWith } from '../contracts/validate.js';
import type { AgentDefinition, AgentFunction, AgentRunContext } from '../loop/agents.js';
import { abortError, sleep } from '../resilience/index.js';
import { activeTraceparent } from '../telemetry/events.js';
import { withSpan } from '../telemetry/tracer.js';
import { A2A_MEDIA_TYPES } from './card.js';
import { A2ARemoteError, classifyingFetch, isA2ARemoteError, urlOf } from './errors.js';
import { A2A_ATTRIBUTES, A2A_METADATA_KEYS, A2A_SPAN_NAMES } from './names.js';
import { partsToValue, toJsonValue, valueToParts } from './parts.js';
import {
  AGENT_CARD_PATH,
  ROLE,
  TASK_STATE,
  loadA2ASdk,
  type AgentCard,
  type Client,
  type Part,
  type SendMessageRequest,
  type StreamResponse,
  type Task,
  type TaskArtifactUpdateEvent,
  type TaskState,
} from './sdk.js';
import { INTERRUPTED_STATES, TERMINAL_STATES, stateName } from './states.js';

/** How often a task the remote left running is polled. @default 250 */
export const DEFAULT_A2A_POLL_INTERVAL_MS = 250;
/** How long fetching the agent card may take. @default 10_000 */
export const DEFAULT_A2A_CARD_TIMEOUT_MS = 10_000;
/** How long the best-effort cancel of an abandoned remote task may take. @default 5_000 */
export const DEFAULT_A2A_CANCEL_TIMEOUT_MS = 5_000;

export interface A2AAgentOptions {
  /** The remote's base URL, or the full URL of its agent card (one ending in `.json`). */
  url: string;
  /** The pool id. @default the card's name, lowercased, runs of other characters than [a-z0-9._-] as '-' */
  id?: string;
  /** @default the card's skill ids and tags */
  capabilities?: string[];
  /** @default 1 */
  maxConcurrency?: number;
  /** Per-attempt timeout of tasks on this agent (a task's own timeoutMs wins). */
  timeoutMs?: number;
  /** Merged with `{ a2a: { url, name, description, version } }` from the card. */
  metadata?: Record<string, unknown>;
  /** @default DEFAULT_A2A_POLL_INTERVAL_MS */
  pollIntervalMs?: number;
  /** @default DEFAULT_A2A_CARD_TIMEOUT_MS */
  cardTimeoutMs?: number;
  /** The fetch every request goes through (add other auth headers here). @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * The bearer token of a protected server (`serveAgentOverA2A({ token })`), sent as
   * `Authorization: Bearer <token>`, and only to the origin of `url`: a card that points its
   * endpoint elsewhere does not get it. Never logged or put in an error.
   * @default undefined (no Authorization header)
   */
  token?: string;
  /** Aborts fetching the card. */
  signal?: AbortSignal;
}

/** A card name as a readable pool id. */
export function agentIdFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 256);
  return slug || 'a2a-agent';
}

/** The card URL for a base URL (kept as given when it already names a .json file). */
export function agentCardUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NoError('INVALID_REQUEST', `invalid A2A agent url '${url}'`, { details: { url } });
  }
  if (parsed.pathname.endsWith('.json')) return parsed.href;
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return new URL(AGENT_CARD_PATH, parsed).href;
}

/** Adds `Authorization: Bearer <token>` to requests for `origin` (unless the caller set one). */
export function withBearer(base: typeof fetch, token: string, origin: string): typeof fetch {
  return (input, init) => {
    if (new URL(urlOf(input)).origin !== origin) return base(input, init);
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
    if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return base(input, { ...init, headers });
  };
}

function capabilitiesOf(card: AgentCard): string[] {
  // A card that skipped the SDK's normalisation may leave tags out.
  const all = card.skills.flatMap((skill) => [skill.id, ...(skill.tags ?? [])]);
  return [...new Set(all.filter((c) => typeof c === 'string' && c.length > 0 && c.length <= 128))];
}

interface Connection {
  card: AgentCard;
  client: Client;
}

async function connect(cardUrl: string, fetchImpl: typeof fetch, timeoutMs: number, signal?: AbortSignal): Promise<Connection> {
  const { client: sdk } = await loadA2ASdk();
  const bounded = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]);
  // v0.3 peers too: their cards are translated and their interfaces get the v0.3 transports.
  const legacyCompat = { enabled: true };
  const resolver = new sdk.DefaultAgentCardResolver({ fetchImpl: (input, init) => fetchImpl(input, { ...init, signal: bounded }), legacyCompat });
  const factory = new sdk.ClientFactory(
    sdk.ClientFactoryOptions.createFrom(sdk.ClientFactoryOptions.default, {
      transports: [new sdk.JsonRpcTransportFactory({ fetchImpl, legacyCompat }), new sdk.RestTransportFactory({ fetchImpl, legacyCompat })],
      cardResolver: resolver,
    }),
  );
  try {
    const card = await resolver.resolve(cardUrl, '');
    if (typeof card?.name !== 'string' || !Array.isArray(card.skills)) throw new Error('the document is not an A2A agent card (no name or skills)');
    return { card, client: await factory.createFromAgentCard(card) };
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, `fetching the A2A agent card at ${cardUrl} was aborted`);
    const reason = bounded.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    throw new NoError('AGENT_NOT_FOUND', `no usable A2A agent card at ${cardUrl}: ${reason}`, { details: { url: cardUrl, reason }, cause: error });
  }
}

function toRequest(input: unknown, ctx: AgentRunContext): SendMessageRequest {
  const metadata: Record<string, unknown> = {
    [A2A_METADATA_KEYS.idempotencyKey]: ctx.idempotencyKey,
    [A2A_METADATA_KEYS.taskId]: ctx.task.id,
    [A2A_METADATA_KEYS.attempt]: ctx.attempt,
  };
  if (Object.keys(ctx.dependencies).length > 0) {
    metadata[A2A_METADATA_KEYS.dependencies] = toJsonValue(ctx.dependencies, `task '${ctx.task.id}' dependency outputs`, 'INVALID_INPUT');
  }
  const traceparent = activeTraceparent();
  if (traceparent !== undefined) metadata[A2A_METADATA_KEYS.traceparent] = traceparent;
  const parts = valueToParts(input, `task '${ctx.task.id}' input`, 'INVALID_INPUT');
  return {
    tenant: '',
    message: { messageId: randomUUID(), contextId: ctx.threadId, taskId: '', role: ROLE.user, parts, metadata, extensions: [], referenceTaskIds: [] },
    configuration: { acceptedOutputModes: [...A2A_MEDIA_TYPES], taskPushNotificationConfig: undefined, returnImmediately: false, historyLength: 0 },
    metadata: undefined,
  };
}

function mergeArtifact(task: Task, update: TaskArtifactUpdateEvent): void {
  const artifact = update.artifact;
  if (!artifact) return;
  const at = task.artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  const known = task.artifacts[at];
  if (!known) task.artifacts.push(artifact);
  else task.artifacts[at] = update.append ? { ...known, parts: [...known.parts, ...artifact.parts] } : artifact;
}

function textOf(parts: readonly Part[] | undefined): string {
  return (parts ?? []).flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join(' ');
}

interface RemoteCall {
  agentId: string;
  url: string;
  client: Client;
  /** Whether the card offers streaming (and so resubscription). */
  streaming: boolean;
  pollIntervalMs: number;
}

/** The output of a completed task (its artifacts' parts, else its status message's), or its failure. */
function outcome(task: Task, call: RemoteCall): unknown {
  const state = task.status?.state;
  const details = { url: call.url, remoteTaskId: task.id, state: stateName(state) };
  if (state === TASK_STATE.completed) {
    const fromArtifacts = task.artifacts.flatMap((a) => a.parts);
    const parts = fromArtifacts.length > 0 ? fromArtifacts : (task.status?.message?.parts ?? []);
    if (parts.length === 0) return undefined;
    try {
      return partsToValue(parts, `remote task ${task.id} output`);
    } catch (error) {
      throw new A2ARemoteError('TASK_FAILED', (error as Error).message, { classification: 'agent-fault', details, cause: error });
    }
  }
  const said = textOf(task.status?.message?.parts);
  const remoteError = task.status?.message?.metadata?.[A2A_METADATA_KEYS.error] as unknown;
  const code = state === TASK_STATE.rejected ? 'MESSAGE_REFUSED' : 'TASK_FAILED';
  throw new A2ARemoteError(code, `A2A agent '${call.agentId}' ended task ${task.id} ${details.state}${said ? `: ${said}` : ''}`, {
    classification: 'agent-fault',
    details: { ...details, ...(remoteError === undefined ? {} : { remoteError }) },
  });
}

type Events = AsyncGenerator<StreamResponse, void, undefined>;

/**
 * Follows a stream of task events, keeping the task as it goes. Returns a direct message reply
 * when the remote sends one. Once the task id is known a broken stream is not a failed task (the
 * caller picks the task up again), so only errors before that, or an abort, propagate.
 */
async function follow(events: Events, signal: AbortSignal, seen: { task?: Task }): Promise<{ reply: unknown } | undefined> {
  try {
    for await (const { payload } of events) {
      if (payload?.$case === 'message') return { reply: partsToValue(payload.value.parts, 'remote reply') };
      if (payload?.$case === 'task') seen.task = payload.value;
      else if (seen.task && payload?.$case === 'statusUpdate') seen.task.status = payload.value.status;
      else if (seen.task && payload?.$case === 'artifactUpdate') mergeArtifact(seen.task, payload.value);
    }
  } catch (error) {
    if (signal.aborted || seen.task === undefined) throw error;
  }
  return undefined;
}

const settled = (task: Task): boolean => TERMINAL_STATES.has(task.status?.state as TaskState) || INTERRUPTED_STATES.has(task.status?.state as TaskState);

async function cancelRemote(call: RemoteCall, taskId: string): Promise<void> {
  try {
    await call.client.cancelTask({ tenant: '', id: taskId, metadata: undefined }, { signal: AbortSignal.timeout(DEFAULT_A2A_CANCEL_TIMEOUT_MS) });
  } catch {
    // Best effort: the remote may have finished meanwhile, or be gone; the caller has moved on either way.
  }
}

/**
 * Runs one task on the remote: streams the message (the SDK falls back to a blocking send when the
 * card has no streaming). When the stream ends or breaks before the task is terminal, it
 * resubscribes to the task (streaming remotes), and failing that polls `GetTask` until the task is
 * terminal; the attempt's timeout bounds both. When `ctx.signal` aborts it cancels the remote task.
 */
function remoteRunner(call: RemoteCall): AgentFunction {
  return (input, ctx) =>
    withSpan(
      A2A_SPAN_NAMES.call,
      { [A2A_ATTRIBUTES.agentId]: call.agentId, [A2A_ATTRIBUTES.url]: call.url, [A2A_ATTRIBUTES.loopTaskId]: ctx.task.id, [A2A_ATTRIBUTES.attempt]: ctx.attempt },
      async (span) => {
        const request = toRequest(input, ctx);
        const options = { signal: ctx.signal };
        const seen: { task?: Task } = {};
        try {
          const direct = await follow(call.client.sendMessageStream(request, options), ctx.signal, seen);
          if (direct) return direct.reply;
          if (seen.task === undefined) throw new Error('the remote answered with neither a task nor a message');
          const id = seen.task.id;
          span.setAttribute(A2A_ATTRIBUTES.taskId, id);
          if (!settled(seen.task) && call.streaming) await follow(call.client.resubscribeTask({ tenant: '', id }, options), ctx.signal, seen);
          let task = seen.task;
          while (!settled(task)) {
            await sleep(call.pollIntervalMs, ctx.signal);
            task = await call.client.getTask({ tenant: '', id, historyLength: 0 }, options);
          }
          span.setAttribute(A2A_ATTRIBUTES.state, stateName(task.status?.state));
          return outcome(task, call);
        } catch (error) {
          if (ctx.signal.aborted) {
            const taskId = seen.task?.id;
            if (taskId !== undefined) await cancelRemote(call, taskId);
            throw abortError(ctx.signal, `A2A call to '${call.agentId}' aborted`);
          }
          if (isA2ARemoteError(error)) throw error;
          throw new A2ARemoteError('TASK_FAILED', `A2A call to '${call.agentId}' at ${call.url} failed: ${(error as Error).message}`, {
            classification: 'agent-fault',
            details: { url: call.url, ...(seen.task ? { remoteTaskId: seen.task.id } : {}) },
            cause: error,
          });
        }
      },
    );
}

/**
 * A remote A2A agent as a pool agent: the coordinator dispatches to it like to a local one. The
 * card is fetched now (an unreachable or invalid card is NoError('AGENT_NOT_FOUND')); each task's
 * input goes out as one message (a string as a text part, anything else as a JSON data part) with
 * the idempotency key, task id, attempt, dependency outputs and traceparent in its metadata and the
 * thread id as context id. The completed task's artifact comes back as the output (data -> its
 * data, text -> the string). A remote failed, rejected or canceled task throws an
 * {@link A2ARemoteError} classified `agent-fault` (the task moves to another agent); an unreachable
 * or overloaded peer is `transient` (retried). `factory` re-fetches the card, so a restart after the
 * agent's circuit opens picks up a redeployed remote.
 *
 * @example
 * const remote = await createA2AAgent({ url: 'http://127.0.0.1:4000' });
 * const loop = createMasterAgentLoop({ agents: [remote, local] });
 */
export async function createA2AAgent(options: A2AAgentOptions): Promise<AgentDefinition> {
  const cardUrl = agentCardUrl(options.url);
  const { token } = options;
  if (token !== undefined && (typeof token !== 'string' || token.trim() === '' || /[\r\n]/.test(token))) {
    throw new NoError('INVALID_REQUEST', 'token must be a non-empty string on one line: the bearer token the A2A server was started with', { details: { url: options.url } });
  }
  const base = options.fetch ?? fetch;
  const fetchImpl = classifyingFetch(token === undefined ? base : withBearer(base, token.trim(), new URL(cardUrl).origin));
  const cardTimeoutMs = options.cardTimeoutMs ?? DEFAULT_A2A_CARD_TIMEOUT_MS;
  const connection = await connect(cardUrl, fetchImpl, cardTimeoutMs, options.signal);
  const card = connection.card;
  const config = parseWith(
    AgentConfigurationSchema,
    {
      id: options.id ?? agentIdFromName(card.name),
      capabilities: options.capabilities ?? capabilitiesOf(card),
      maxConcurrency: options.maxConcurrency,
      timeoutMs: options.timeoutMs,
      metadata: { ...options.metadata, a2a: { url: cardUrl, name: card.name, description: card.description, version: card.version } },
    },
    { what: `A2A agent at ${cardUrl}` },
  );
  const runnerFor = ({ card: current, client }: Connection): AgentFunction =>
    remoteRunner({
      agentId: config.id,
      url: cardUrl,
      client,
      streaming: current.capabilities?.streaming === true,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_A2A_POLL_INTERVAL_MS,
    });
  return {
    ...config,
    run: runnerFor(connection),
    factory: async () => runnerFor(await connect(cardUrl, fetchImpl, cardTimeoutMs)),
  };
}
