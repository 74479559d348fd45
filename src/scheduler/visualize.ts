import type { ExecutionPlan } from '../contracts/scheduler.js';
import type { TaskStatus } from '../contracts/status.js';

export interface VisualizeOptions {
  /** Colours each task by its status (a live run); uncoloured when omitted. */
  statuses?: Readonly<Record<string, TaskStatus>>;
  /** @default 'LR' */
  direction?: 'LR' | 'TD';
}

/** Fill and stroke per status; WCAG AA contrast for the black label text on each fill. */
export const STATUS_COLOURS: Readonly<Record<TaskStatus, { fill: string; stroke: string }>> = {
  pending: { fill: '#eeeeee', stroke: '#757575' },
  running: { fill: '#bbdefb', stroke: '#1565c0' },
  completed: { fill: '#c8e6c9', stroke: '#2e7d32' },
  failed: { fill: '#ffcdd2', stroke: '#c62828' },
  skipped: { fill: '#fff9c4', stroke: '#f9a825' },
  cancelled: { fill: '#e1bee7', stroke: '#6a1b9a' },
};

type PlanView = Pick<ExecutionPlan, 'tasks' | 'schedule' | 'criticalPath'>;

function layout(plan: PlanView) {
  const key = new Map(plan.tasks.map((t, i) => [t.id, `n${i}`]));
  const when = new Map(plan.schedule.map((s) => [s.taskId, s]));
  const critical = new Set<string>();
  for (let i = 1; i < plan.criticalPath.length; i++) critical.add(`${plan.criticalPath[i - 1]}\u0000${plan.criticalPath[i]}`);
  const label = (id: string): string => {
    const s = when.get(id);
    return s === undefined ? id : `${id} · ${s.startMs}–${s.endMs} ms`;
  };
  return { key, label, critical };
}

/**
 * A plan as a Mermaid flowchart: one node per task with its planned window, an arrow per
 * dependency, the critical path drawn thick, tasks coloured by status when statuses are given.
 *
 * @example
 * console.log(planToMermaid(plan, { statuses: { fetch: 'completed', parse: 'running' } }));
 */
export function planToMermaid(plan: PlanView, options: VisualizeOptions = {}): string {
  const { key, label, critical } = layout(plan);
  const escape = (text: string): string => text.replace(/"/g, '#quot;').replace(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));
  const lines = [`flowchart ${options.direction ?? 'LR'}`];
  for (const t of plan.tasks) lines.push(`  ${key.get(t.id)}["${escape(label(t.id))}"]`);
  for (const t of plan.tasks) {
    for (const dep of t.dependsOn) lines.push(`  ${key.get(dep)} ${critical.has(`${dep}\u0000${t.id}`) ? '==>' : '-->'} ${key.get(t.id)}`);
  }
  if (options.statuses) {
    const used = new Set(Object.values(options.statuses));
    for (const status of Object.keys(STATUS_COLOURS) as TaskStatus[]) {
      if (!used.has(status)) continue;
      const { fill, stroke } = STATUS_COLOURS[status];
      lines.push(`  classDef ${status} fill:${fill},stroke:${stroke},color:#000`);
      const members = plan.tasks.filter((t) => options.statuses![t.id] === status).map((t) => key.get(t.id));
      if (members.length > 0) lines.push(`  class ${members.join(',')} ${status}`);
    }
  }
  return lines.join('\n');
}

/** The same picture in Graphviz DOT. */
export function planToDot(plan: PlanView, options: VisualizeOptions = {}): string {
  const { key, label, critical } = layout(plan);
  const escape = (text: string): string => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const lines = ['digraph plan {', `  rankdir=${options.direction === 'TD' ? 'TB' : 'LR'};`, '  node [shape=box, style="rounded,filled", fillcolor="#ffffff"];'];
  for (const t of plan.tasks) {
    const status = options.statuses?.[t.id];
    const colour = status ? `, fillcolor="${STATUS_COLOURS[status].fill}", color="${STATUS_COLOURS[status].stroke}"` : '';
    lines.push(`  ${key.get(t.id)} [label="${escape(label(t.id))}"${colour}];`);
  }
  for (const t of plan.tasks) {
    for (const dep of t.dependsOn) lines.push(`  ${key.get(dep)} -> ${key.get(t.id)}${critical.has(`${dep}\u0000${t.id}`) ? ' [penwidth=3]' : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}
