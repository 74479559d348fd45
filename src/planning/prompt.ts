import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { PlanRevisionInput } from '../contracts/planning.js';
import { PLAN_TOOL_NAME } from './plan-check.js';

/** Longest text of one task's output or of the previous plan shown to the model in a revision. @default 2_000 */
export const MAX_PROMPT_VALUE_CHARS = 2_000;

function clip(value: unknown, max = MAX_PROMPT_VALUE_CHARS): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** The capabilities as the model reads them: one a line, with what it does when the planner was told. */
function capabilityLines(capabilities: readonly string[], descriptions: Readonly<Record<string, string>>): string {
  return capabilities.map((c) => (descriptions[c] ? `- ${c}: ${descriptions[c]}` : `- ${c}`)).join('\n');
}

export function systemPrompt(capabilities: readonly string[], descriptions: Readonly<Record<string, string>>, instructions: string | undefined): SystemMessage {
  const text = [
    `You plan work for a pool of agents. Answer by calling ${PLAN_TOOL_NAME} with the plan.`,
    'Rules:',
    '- Each task is one unit of work for one agent: a short id unique in the plan, the capability of the agent that does it, and its input (what the agent is given).',
    '- capability must be one of these, exactly as written:',
    capabilityLines(capabilities, descriptions),
    '- dependsOn lists the ids of tasks that must finish first; a task receives their outputs. No cycles, and only ids of tasks in the plan.',
    '- Tasks that do not need each other run in parallel: add a dependency only where a task needs another one\'s output.',
    '- Use only the fields id, capability, input, dependsOn, estimatedDurationMs, priority, risk and sideEffects.',
    ...(instructions ? ['', instructions] : []),
  ].join('\n');
  return new SystemMessage(text);
}

/** Sent after an invalid answer: the answer, and the exact error the package's validation gave. */
export function correctionPrompt(answer: unknown, error: string): HumanMessage {
  return new HumanMessage(
    `Your plan is invalid: ${error}\nYour answer was: ${clip(answer)}\nCall ${PLAN_TOOL_NAME} again with a corrected plan.`,
  );
}

/** The goal of a first plan: the text, or the conversation as it is. */
export function goalMessages(goal: string | readonly BaseMessage[]): BaseMessage[] {
  return typeof goal === 'string' ? [new HumanMessage(goal)] : [...goal];
}

/** What a revision tells the model: the goal, what finished (kept), what failed and why, and the plan so far. */
export function revisionPrompt(input: PlanRevisionInput): HumanMessage {
  const byId = new Map(input.request.tasks.map((t) => [t.id, t]));
  const finished = input.finished.map((f) => `- ${f.taskId} (${byId.get(f.taskId)?.capability ?? 'any'}): output ${clip(f.output, 500)}`);
  const failed = input.failed.map((f) => `- ${f.taskId} (${byId.get(f.taskId)?.capability ?? 'any'}): ${f.error}`);
  return new HumanMessage(
    [
      ...(input.goal ? [`Goal: ${input.goal}`] : []),
      `The run's plan cannot finish as it is (${input.reason}), so it needs a revised plan for the work left.`,
      'Finished tasks (kept and never run again; their ids are taken, list them in dependsOn to use their outputs):',
      finished.length > 0 ? finished.join('\n') : '- none',
      'Tasks that failed or were stopped:',
      failed.length > 0 ? failed.join('\n') : '- none',
      `The plan so far: ${clip(input.request.tasks)}`,
      'Plan only the remaining work: the tasks still to run (a task that did not finish may keep its id), with a different approach where a task failed.',
    ].join('\n'),
  );
}
