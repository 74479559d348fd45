/**
 * The one door to @a2a-js/sdk, opened lazily. Two reasons:
 *
 * - Every SDK entry point loads `jose` (ESM-only) at once. `require` of ESM needs Node 20.19+ and
 *   does not work under Jest at all, so importing the SDK from the package root would break every
 *   CommonJS user on older Node 20 and every Jest suite that imports the root, A2A or not. The SDK
 *   is loaded on the first A2A call instead; nothing else pays for it.
 * - The SDK ships CommonJS builds, but its `exports` name ESM typings first, so TypeScript's Node16
 *   resolution reports each import from a CommonJS file as TS1479/TS1541 although `require` works.
 *   The type-only imports below silence that here, once, and are erased from the build;
 *   `@ts-ignore` rather than `@ts-expect-error` because the ESM build has no error to expect.
 */
// @ts-ignore TS1541, see above
export type { AgentCard, AgentSkill, Message, Part, SendMessageRequest, StreamResponse, Task, TaskArtifactUpdateEvent, TaskState, TaskStatus } from '@a2a-js/sdk';
// @ts-ignore TS1541, see above
export type { AgentExecutionEvent, AgentExecutor, ExecutionEventBus, RequestContext, ServerCallContext, TaskStore } from '@a2a-js/sdk/server';
// @ts-ignore TS1541, see above
export type { Client } from '@a2a-js/sdk/client';
// @ts-ignore TS1541, see above
import type * as ServerModule from '@a2a-js/sdk/server';
// @ts-ignore TS1541, see above
import type * as ExpressModule from '@a2a-js/sdk/server/express';
// @ts-ignore TS1541, see above
import type * as ClientModule from '@a2a-js/sdk/client';
// @ts-ignore TS1541, see above
import type * as ErrorsModule from '@a2a-js/sdk/errors';

/** The SDK entry points the bridge uses. */
export interface A2ASdk {
  server: typeof ServerModule;
  express: typeof ExpressModule;
  client: typeof ClientModule;
  errors: typeof ErrorsModule;
}

/** `require` where there is one (the CommonJS build, Jest), `import()` in the ESM build. */
function load<T>(specifier: string): Promise<T> {
  /* istanbul ignore next -- the ESM build has no require; Jest always has one */
  return typeof require === 'function' ? Promise.resolve(require(specifier) as T) : (import(specifier) as Promise<T>);
}

let loading: Promise<A2ASdk> | undefined;

/** Loads the SDK once; later calls share the same modules. */
export function loadA2ASdk(): Promise<A2ASdk> {
  return (loading ??= (async () => ({
    server: await load<typeof ServerModule>('@a2a-js/sdk/server'),
    express: await load<typeof ExpressModule>('@a2a-js/sdk/server/express'),
    client: await load<typeof ClientModule>('@a2a-js/sdk/client'),
    errors: await load<typeof ErrorsModule>('@a2a-js/sdk/errors'),
  }))());
}

/** The A2A protocol version this bridge speaks (the SDK's A2A_PROTOCOL_VERSION). */
export const A2A_PROTOCOL_VERSION = '1.0';
/** Where an agent card lives, relative to the agent's base URL (the SDK's AGENT_CARD_PATH). */
export const AGENT_CARD_PATH = '.well-known/agent-card.json';

/** The protocol's task states (protobuf enum numbers, fixed by the A2A v1.0 specification). */
export const TASK_STATE = {
  unspecified: 0 as TaskStateValue,
  submitted: 1 as TaskStateValue,
  working: 2 as TaskStateValue,
  completed: 3 as TaskStateValue,
  failed: 4 as TaskStateValue,
  canceled: 5 as TaskStateValue,
  inputRequired: 6 as TaskStateValue,
  rejected: 7 as TaskStateValue,
  authRequired: 8 as TaskStateValue,
} as const;
// @ts-ignore TS1541, see above
type TaskStateValue = import('@a2a-js/sdk').TaskState;

/** The protocol's message roles (protobuf enum numbers). */
export const ROLE = {
  user: 1 as RoleValue,
  agent: 2 as RoleValue,
} as const;
// @ts-ignore TS1541, see above
type RoleValue = import('@a2a-js/sdk').Role;
