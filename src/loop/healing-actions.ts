import type { Anomaly, AnomalyKind, HealingAction } from '../contracts/anomaly.js';
import { NoError } from '../contracts/errors.js';
import type { AgentPool } from './agent-pool.js';

/**
 * The actions tried for an agent, in order: each new action on an anomaly that stays open takes the
 * next one that applies. Slow calls are first treated as overload (fewer at once), errors and odd
 * outputs as a broken instance (a fresh one from the factory); quarantine is the last resort.
 */
export const DEFAULT_HEALING_LADDERS: Readonly<Record<Exclude<AnomalyKind, 'stall'>, readonly HealingAction[]>> = {
  latency: ['lower-concurrency', 'restart', 'quarantine'],
  'error-rate': ['restart', 'quarantine', 'lower-concurrency'],
  'output-size': ['restart', 'quarantine'],
  // An attempt that never ends holds its slot and its task: both must move now, and no lower cap frees them.
  stuck: ['move-tasks'],
};

export interface HealingChoice {
  action: HealingAction;
  agentIds: string[];
  /** Why nothing is done, when the action is `none`. */
  reason?: string;
  /** The ladder step reached (the next choice for the same anomaly starts there). */
  step: number;
}

/** What self-healing does to a pool; the pool's own state (breakers, caps) holds the effects. */
export interface HealingActions {
  /** The action for the anomaly, from ladder step `fromStep` on (0 for a new anomaly). */
  choose(anomaly: Anomaly, fromStep: number): HealingChoice;
  /**
   * Takes the action; resolves to what it did, rejects with a NoError when it could not. `why` is
   * what a pre-empted attempt reports (the anomaly's message).
   */
  take(action: HealingAction, agentIds: readonly string[], why?: string, threadId?: string): Promise<string>;
  /** Agent id -> epoch ms its quarantine ends. */
  readonly quarantine: Map<string, number>;
  /** Agents whose concurrency was lowered (the cap is lifted when their anomalies resolve). */
  readonly capped: Set<string>;
}

export interface HealingActionsOptions {
  now: () => number;
  quarantineMs: number;
  preempt: boolean;
  /** The loop's `requestReplan`: a stalled run whose tasks moved and still makes no progress is re-planned. */
  replan?: ((threadId: string, reason: string) => boolean) | undefined;
}

export function healingActions(pool: AgentPool, options: HealingActionsOptions): HealingActions {
  const quarantine = new Map<string, number>();
  const capped = new Set<string>();
  const isAgent = (id: string): boolean => pool.ids().includes(id);
  /** Every capability of the agent is offered by another agent that is neither down nor quarantined. */
  const replaceable = (agentId: string): boolean =>
    pool.definition(agentId).capabilities.every((cap) =>
      pool.capable(cap).some((other) => other !== agentId && !quarantine.has(other) && pool.health(other) !== 'unhealthy'));
  const applies = (action: HealingAction, agentId: string): boolean => {
    switch (action) {
      case 'lower-concurrency':
        return pool.concurrency(agentId) > 1;
      case 'restart':
        return pool.definition(agentId).factory !== undefined;
      case 'quarantine':
        return !quarantine.has(agentId) && replaceable(agentId);
      case 'move-tasks':
        return quarantine.has(agentId) || applies('quarantine', agentId) || applies('restart', agentId);
      default:
        return false;
    }
  };

  async function act(action: HealingAction, agentId: string): Promise<string> {
    switch (action) {
      case 'lower-concurrency': {
        const to = Math.max(1, Math.floor(pool.concurrency(agentId) / 2));
        pool.limit(agentId, to);
        capped.add(agentId);
        return `concurrency of ${agentId} lowered to ${to} until its anomalies resolve`;
      }
      case 'restart': {
        const restarted = await pool.restart(agentId);
        if (!restarted) throw new NoError('INVALID_REQUEST', `agent '${agentId}' could not restart: it has no factory or is restarting now; give it a factory`);
        return `${agentId} rebuilt from its factory`;
      }
      case 'quarantine': {
        pool.breaker(agentId).isolate();
        quarantine.set(agentId, options.now() + options.quarantineMs);
        return `${agentId} taken out of dispatch for ${options.quarantineMs} ms; its next attempts go to other agents`;
      }
      default:
        return 'nothing to do';
    }
  }

  // A stalled run's attempts, or an agent's attempts past its bound, are stuck on their agents: those
  // with a stand-in leave dispatch (the next attempts go to the others), the rest are rebuilt. Then
  // the stuck attempts are pre-empted, so their tasks run again at once (on a stand-in, or on the
  // rebuilt agent) instead of waiting out a timeout that may be long or absent; only after the first
  // step, or they would land on the same agent.
  async function moveTasks(agentIds: readonly string[], why: string): Promise<string> {
    const done: string[] = [];
    for (const agentId of agentIds) {
      let did: string | undefined;
      if (applies('quarantine', agentId)) did = await act('quarantine', agentId);
      else if (applies('restart', agentId)) did = await act('restart', agentId);
      // Out of dispatch already (another anomaly quarantined it): its attempts still hold their tasks.
      else if (quarantine.has(agentId)) did = `${agentId} is out of dispatch already`;
      if (did === undefined) continue;
      const stopped = options.preempt ? pool.preempt(agentId, why) : 0;
      done.push(stopped > 0 ? `${did}; ${stopped} stuck attempt(s) pre-empted to run again at once` : did);
    }
    if (done.length === 0) throw new NoError('NO_CAPABLE_AGENT', `no agent can take over from ${agentIds.join(', ')} and none has a factory; add agents with the same capabilities`);
    return done.join('; ');
  }

  async function replan(threadId: string | undefined, why: string): Promise<string> {
    if (options.replan === undefined || threadId === undefined) {
      throw new NoError('INVALID_REQUEST', 'a re-plan needs a loop with a replan option and the stalled run\'s thread; give createMasterAgentLoop replan: { planner }');
    }
    if (!options.replan(threadId, `self-healing: ${why}`)) {
      throw new NoError('INVALID_REQUEST', `thread ${threadId} could not be re-planned: the loop has no replan option (give createMasterAgentLoop replan: { planner }), its re-plans are used up (raise replan.maxReplans), or no pass of it runs in this process`, { details: { threadId } });
    }
    return `asked the planner for a revised plan of thread ${threadId}'s remaining work; its running tasks stop and finished ones are kept`;
  }

  return {
    quarantine,
    capped,
    choose(anomaly, fromStep) {
      if (anomaly.subjectType === 'tool') return { action: 'none', agentIds: [], step: 0, reason: `tool ${anomaly.subject} is not the pool's to heal; see its layer's limits` };
      if (anomaly.subjectType === 'run') {
        // First move the stalled run's tasks off the agents holding them; a run still stalled after
        // that (or with no agent to move from) has its remaining work re-planned, when the loop can.
        const agentIds = [...new Set(anomaly.agentIds ?? [])].filter(isAgent);
        if (fromStep === 0 && agentIds.length > 0) return { action: 'move-tasks', agentIds, step: 1 };
        if (options.replan !== undefined && anomaly.threadId !== undefined) return { action: 're-plan', agentIds, step: 2 };
        return { action: 'none', agentIds, step: 2, reason: agentIds.length === 0
          ? `run ${anomaly.subject} holds no agent: it waits for capacity or its dependencies; give the loop a replan option to re-plan a run that stays stalled`
          : `run ${anomaly.subject} is still stalled after its tasks moved; give the loop a replan option to re-plan it` };
      }
      if (!isAgent(anomaly.subject)) return { action: 'none', agentIds: [], step: 0, reason: `no agent '${anomaly.subject}' in the pool` };
      if (anomaly.kind === 'stall') return { action: 'none', agentIds: [], step: 0, reason: 'stalls are judged per run' };
      const ladder = DEFAULT_HEALING_LADDERS[anomaly.kind];
      for (let i = fromStep; i < ladder.length; i++) {
        if (applies(ladder[i]!, anomaly.subject)) return { action: ladder[i]!, agentIds: [anomaly.subject], step: i + 1 };
      }
      return { action: 'none', agentIds: [anomaly.subject], step: ladder.length,
        reason: `no action left for ${anomaly.subject} (${ladder.join(', ')} tried or not applicable)` };
    },
    take: (action, agentIds, why = 'self-healing moved its tasks', threadId) => {
      if (action === 'move-tasks') return moveTasks(agentIds, why);
      if (action === 're-plan') return replan(threadId, why);
      return act(action, agentIds[0]!);
    },
  };
}
