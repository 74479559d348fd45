import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NoError } from '../contracts/errors.js';
import type { AgentDefinition } from '../loop/agents.js';

const HOW = "export the agents as `export const agents = [...]` or `export default [...]` (the same array you pass to createMasterLoop)";

/** Loads a module with `require` where there is one (ESM modules without top-level await load too), else `import()`. */
async function loadModule(file: string): Promise<unknown> {
  if (typeof require === 'function') {
    try {
      return require(file) as unknown;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // An ES module with top-level await, or a Node without require(esm): import() can load it.
      /* istanbul ignore next -- Node 20.19+ requires ES modules without top-level await */
      if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error;
    }
  }
  /* istanbul ignore next -- see above */
  return import(pathToFileURL(file).href);
}

/**
 * The agents a worker runs, from the module a user names (`--agents ./agents.js`): its `agents`
 * export, its default export, or the default export's `agents`. Every failure is a NoError that
 * says what to change.
 *
 * @example
 * const agents = await loadAgentsModule('./agents.js');
 */
export async function loadAgentsModule(path: string): Promise<AgentDefinition[]> {
  const file = resolve(path);
  if (!existsSync(file)) {
    throw new NoError('INVALID_REQUEST', `agents module '${path}' does not exist (resolved to ${file})`, { details: { path: file } });
  }
  let mod: unknown;
  try {
    mod = await loadModule(file);
  } catch (error) {
    throw new NoError('INVALID_REQUEST', `agents module '${path}' failed to load: ${(error as Error).message}`, { details: { path: file }, cause: error });
  }
  const m = (mod ?? {}) as { agents?: unknown; default?: unknown };
  const fromDefault = m.default as { agents?: unknown } | undefined;
  const agents = m.agents ?? (Array.isArray(m.default) ? m.default : fromDefault?.agents);
  if (!Array.isArray(agents) || agents.length === 0) {
    throw new NoError('INVALID_REQUEST', `agents module '${path}' exports no agents: ${HOW}`, { details: { path: file, exports: Object.keys(m) } });
  }
  return agents as AgentDefinition[];
}

/**
 * The agents of `agents` named by `ids`, in that order; an id the module lacks is an
 * AGENT_NOT_FOUND that lists the ids it has.
 */
export function selectAgents(agents: AgentDefinition[], ids: readonly string[] | undefined): AgentDefinition[] {
  if (ids === undefined || ids.length === 0) return agents;
  const byId = new Map(agents.map((a) => [a.id, a]));
  return ids.map((id) => {
    const agent = byId.get(id);
    if (!agent) {
      throw new NoError('AGENT_NOT_FOUND', `agent '${id}' is not in the agents module (it has: ${[...byId.keys()].join(', ')})`, {
        details: { agentId: id, available: [...byId.keys()] },
      });
    }
    return agent;
  });
}
