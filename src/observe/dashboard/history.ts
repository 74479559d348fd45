import type { RunnableConfig } from '@langchain/core/runnables';
import type { StateSnapshot } from '@langchain/langgraph';
import { NoError } from '../../contracts/errors.js';

/** Checkpoints listed per run, newest first. @default 100 */
export const MAX_CHECKPOINTS_LISTED = 100;
/** Tasks shown in one checkpoint's state; the counts cover all of them. @default 500 */
export const MAX_TASKS_SHOWN = 500;

/** A graph whose history can be read: a master loop, or any compiled graph with a checkpointer. */
export interface HistorySource {
  getStateHistory(config: RunnableConfig, options?: { limit?: number }): AsyncIterableIterator<StateSnapshot>;
  getState(config: RunnableConfig): Promise<StateSnapshot>;
}

export interface CheckpointEntry {
  checkpointId: string;
  /** LangGraph's step number: -1 is the input, then one per superstep. */
  step: number;
  /** `input`, `loop` or `update`. */
  source: string;
  /** The nodes that run next from this checkpoint (none once the run ended). */
  next: string[];
  createdAt?: string;
}

export interface CheckpointState {
  checkpointId: string;
  step: number;
  next: string[];
  status: string;
  round: number;
  tasksByStatus: Record<string, number>;
  tasks: Array<{ taskId: string; status: string; agentId?: string; attempts: number }>;
  /** More tasks than MAX_TASKS_SHOWN were recorded. */
  tasksTruncated: boolean;
  results: number;
  errors: number;
  recoveries: number;
}

const threadConfig = (threadId: string, checkpointId?: string): RunnableConfig => ({
  configurable: { thread_id: threadId, ...(checkpointId === undefined ? {} : { checkpoint_id: checkpointId }) },
});

function entryOf(snapshot: StateSnapshot): CheckpointEntry {
  const metadata = (snapshot.metadata ?? {}) as { step?: number; source?: string };
  return {
    checkpointId: String(snapshot.config.configurable?.['checkpoint_id'] ?? ''),
    step: metadata.step ?? 0,
    source: metadata.source ?? 'loop',
    next: [...snapshot.next],
    ...(snapshot.createdAt === undefined ? {} : { createdAt: snapshot.createdAt }),
  };
}

/** The thread's checkpoints, newest first (at most MAX_CHECKPOINTS_LISTED). */
export async function listCheckpoints(source: HistorySource, threadId: string): Promise<CheckpointEntry[]> {
  const entries: CheckpointEntry[] = [];
  for await (const snapshot of source.getStateHistory(threadConfig(threadId), { limit: MAX_CHECKPOINTS_LISTED })) {
    entries.push(entryOf(snapshot));
  }
  return entries;
}

interface LoopValues {
  status?: string;
  round?: number;
  tasks?: Record<string, { taskId: string; status: string; agentId?: string; attempts?: number }>;
  results?: Record<string, unknown>;
  errors?: unknown[];
  recoveries?: unknown[];
}

/** The loop's state as it was at one checkpoint of the thread. */
export async function stateAt(source: HistorySource, threadId: string, checkpointId: string): Promise<CheckpointState> {
  const snapshot = await source.getState(threadConfig(threadId, checkpointId));
  // LangGraph answers an unknown checkpoint with an empty snapshot: no metadata, no time.
  if (snapshot.config.configurable?.['checkpoint_id'] !== checkpointId || snapshot.createdAt === undefined) {
    throw new NoError('INVALID_REQUEST', `thread ${threadId} has no checkpoint ${checkpointId}: pick one from /api/history`, { details: { threadId, checkpointId } });
  }
  const values = (snapshot.values ?? {}) as LoopValues;
  const records = Object.values(values.tasks ?? {});
  const tasksByStatus: Record<string, number> = {};
  for (const record of records) tasksByStatus[record.status] = (tasksByStatus[record.status] ?? 0) + 1;
  return {
    ...entryOf(snapshot),
    status: values.status ?? 'pending',
    round: values.round ?? 0,
    tasksByStatus,
    tasks: records.slice(0, MAX_TASKS_SHOWN).map((r) => ({ taskId: r.taskId, status: r.status, attempts: r.attempts ?? 0, ...(r.agentId === undefined ? {} : { agentId: r.agentId }) })),
    tasksTruncated: records.length > MAX_TASKS_SHOWN,
    results: Object.keys(values.results ?? {}).length,
    errors: values.errors?.length ?? 0,
    recoveries: values.recoveries?.length ?? 0,
  };
}
