/**
 * Assignment of a plan's tasks to agents by capability, health, free slots and track record.
 *
 * The plan's schedule is walked in start order. Each agent offers `maxConcurrency - activeTasks`
 * slots; a slot runs one task at a time, so an agent never holds more simultaneous tasks than it has
 * free slots. A task starts at its planned start unless its dependencies end later (on their assigned
 * times) or no capable agent has a slot free then, in which case it waits for the earliest slot.
 * The plan's other resource limits are not re-checked after such a delay: they were planned for the
 * planned times, and the coordinator enforces them at run time.
 */
import { z } from 'zod';
import { parseWith } from '../contracts/validate.js';
import { NoError } from '../contracts/errors.js';
import {
  AgentDescriptorSchema,
  type AgentAssignment,
  type AgentDescriptor,
  type AgentDescriptorInput,
  type AgentSchedule,
  type ExecutionPlan,
  type ScheduledTask,
} from '../contracts/scheduler.js';
import { buildDag } from './dag.js';

interface AgentSlots {
  agent: AgentDescriptor;
  /** When each free slot is next free. */
  freeAt: number[];
  /** Assigned intervals, to measure load at an instant. */
  intervals: { startMs: number; endMs: number }[];
}

function parseAgents(agents: readonly AgentDescriptorInput[]): AgentDescriptor[] {
  const parsed = parseWith(z.array(AgentDescriptorSchema), agents, { what: 'agents' });
  const seen = new Set<string>();
  for (const agent of parsed) {
    if (seen.has(agent.id)) {
      throw new NoError('INVALID_REQUEST', `agent id '${agent.id}' is used more than once`, {
        details: { agentId: agent.id },
      });
    }
    seen.add(agent.id);
  }
  return parsed;
}

/** The plan's schedule entry for each task, in task order; rejects a schedule that does not cover the plan. */
function plannedTimes(plan: ExecutionPlan): ScheduledTask[] {
  const byId = new Map<string, ScheduledTask>();
  for (const entry of plan.schedule) {
    if (byId.has(entry.taskId) || !plan.tasks.some((t) => t.id === entry.taskId)) {
      const message = `plan schedule lists task '${entry.taskId}' twice or for no task of the plan`;
      throw new NoError('INVALID_REQUEST', message, {
        details: { taskId: entry.taskId },
      });
    }
    byId.set(entry.taskId, entry);
  }
  return plan.tasks.map((task) => {
    const entry = byId.get(task.id);
    if (entry === undefined) {
      throw new NoError('INVALID_REQUEST', `plan schedule has no entry for task '${task.id}'`, {
        details: { taskId: task.id },
      });
    }
    return entry;
  });
}

function loadAt(slots: AgentSlots, atMs: number): number {
  const running = slots.intervals.filter((i) => i.startMs <= atMs && atMs < i.endMs).length;
  return (slots.agent.activeTasks + running) / slots.agent.maxConcurrency;
}

/** Healthy first, then higher success rate, lower load at the start time, then id. */
function better(a: AgentSlots, b: AgentSlots, atMs: number): boolean {
  const healthyA = a.agent.health === 'healthy';
  const healthyB = b.agent.health === 'healthy';
  if (healthyA !== healthyB) return healthyA;
  if (a.agent.successRate !== b.agent.successRate) return a.agent.successRate > b.agent.successRate;
  const loadA = loadAt(a, atMs);
  const loadB = loadAt(b, atMs);
  if (loadA !== loadB) return loadA < loadB;
  return a.agent.id < b.agent.id;
}

function noAgentReason(capability: string | undefined, agents: readonly AgentDescriptor[]): string {
  const named = capability === undefined ? '(any capability)' : `"${capability}"`;
  const offering = agents.filter((a) => capability === undefined || a.capabilities.includes(capability));
  if (offering.length === 0) return `no agent offers capability ${named}`;
  const usable = offering.filter((a) => a.health !== 'unhealthy');
  if (usable.length === 0) {
    return `every agent offering capability ${named} is unhealthy (${offering.map((a) => a.id).join(', ')})`;
  }
  const busy = usable.map((a) => a.id).join(', ');
  return `every healthy or degraded agent offering capability ${named} is at its concurrency limit (${busy})`;
}

/**
 * Assigns each task of a plan to one agent, or lists it as unassigned with the reason.
 *
 * Unhealthy agents are never used; degraded ones only when no healthy capable agent is free at that
 * instant. Ties go to the higher success rate, then the lower load, then the smaller id. A task whose
 * dependency could not be assigned is unassigned too, since it could never start.
 *
 * @throws NoError `INVALID_REQUEST` for an invalid agent descriptor, a duplicate agent id, or a plan
 *   whose schedule does not list each task once or starts a task before a dependency ends.
 * @example
 * const schedule = scheduleAgents(plan, [
 *   { id: 'writer', capabilities: ['write'], maxConcurrency: 2 },
 *   { id: 'reviewer', capabilities: ['review'], health: 'degraded' },
 * ]);
 * schedule.assignments; // [{ taskId: 'draft', agentId: 'writer', startMs: 0, endMs: 500 }, ...]
 */
export function scheduleAgents(plan: ExecutionPlan, agents: readonly AgentDescriptorInput[]): AgentSchedule {
  const descriptors = parseAgents(agents);
  const dag = buildDag(plan.tasks);
  const planned = plannedTimes(plan);
  const topoRank = new Array<number>(dag.ids.length);
  dag.order.forEach((node, rank) => (topoRank[node] = rank));
  for (let i = 0; i < planned.length; i++) {
    for (const p of dag.preds[i] as readonly number[]) {
      if ((planned[p] as ScheduledTask).endMs > (planned[i] as ScheduledTask).startMs) {
        const message = `plan starts task '${dag.ids[i]}' before its dependency '${dag.ids[p]}' ends`;
        throw new NoError('INVALID_REQUEST', message, {
          details: { taskId: dag.ids[i], dependency: dag.ids[p] },
        });
      }
    }
  }
  // With dependencies ending before dependents start, (start, topological rank) puts every
  // dependency first, including zero-length ones that start at the same instant.
  const startOf = (i: number): number => (planned[i] as ScheduledTask).startMs;
  const walk = planned
    .map((_, i) => i)
    .sort((a, b) => startOf(a) - startOf(b) || (topoRank[a] as number) - (topoRank[b] as number));

  const pool: AgentSlots[] = descriptors
    .filter((agent) => agent.health !== 'unhealthy')
    .map((agent) => {
      const free = Math.max(0, agent.maxConcurrency - agent.activeTasks);
      return { agent, freeAt: new Array<number>(free).fill(0), intervals: [] };
    })
    .filter((slots) => slots.freeAt.length > 0);

  const assignedEnd = new Map<number, number>();
  const unassignedIndex = new Set<number>();
  const assignments: AgentAssignment[] = [];
  const unassigned: AgentSchedule['unassigned'] = [];
  let busyMs = 0;

  for (const i of walk) {
    const task = plan.tasks[i] as ExecutionPlan['tasks'][number];
    const entry = planned[i] as ScheduledTask;
    const preds = dag.preds[i] as readonly number[];
    const blocked = preds.find((p) => unassignedIndex.has(p));
    if (blocked !== undefined) {
      unassignedIndex.add(i);
      unassigned.push({ taskId: task.id, reason: `depends on unassigned task '${dag.ids[blocked]}'` });
      continue;
    }
    const readyMs = preds.reduce((t, p) => Math.max(t, assignedEnd.get(p) as number), entry.startMs);
    const capable = pool.filter((s) => task.capability === undefined || s.agent.capabilities.includes(task.capability));
    if (capable.length === 0) {
      unassignedIndex.add(i);
      unassigned.push({ taskId: task.id, reason: noAgentReason(task.capability, descriptors) });
      continue;
    }
    const startMs = Math.min(...capable.map((s) => Math.max(readyMs, Math.min(...s.freeAt))));
    let chosen: AgentSlots | undefined;
    for (const s of capable) {
      if (Math.min(...s.freeAt) > startMs) continue;
      if (chosen === undefined || better(s, chosen, startMs)) chosen = s;
    }
    const slots = chosen as AgentSlots;
    // Best fit: the slot that became free latest, keeping earlier-free slots for tasks ready earlier.
    let slot = -1;
    slots.freeAt.forEach((free, k) => {
      if (free <= startMs && (slot === -1 || free > (slots.freeAt[slot] as number))) slot = k;
    });
    const endMs = startMs + (entry.endMs - entry.startMs);
    slots.freeAt[slot] = endMs;
    slots.intervals.push({ startMs, endMs });
    assignedEnd.set(i, endMs);
    busyMs += endMs - startMs;
    assignments.push({ taskId: task.id, agentId: slots.agent.id, startMs, endMs });
  }

  const makespanMs = assignments.reduce((m, a) => Math.max(m, a.endMs), 0);
  const capacity = pool.reduce((n, s) => n + s.freeAt.length, 0) * makespanMs;
  return {
    planId: plan.id,
    assignments: assignments.sort((a, b) => a.startMs - b.startMs),
    unassigned,
    makespanMs,
    utilization: capacity === 0 ? 0 : Math.min(1, busyMs / capacity),
  };
}
