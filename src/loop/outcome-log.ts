import { randomUUID } from 'node:crypto';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { NoError } from '../contracts/errors.js';
import { superstepCheckpointOf } from './langgraph-seam.js';
import type { TaskOutcome } from './run-task.js';

/**
 * The channel name of the loop's outcome writes. No graph has a channel of that name and no graph
 * task has their task ids, so LangGraph stores them with the checkpoint and never applies them.
 */
export const OUTCOME_CHANNEL = 'no.outcome';
const BATCH_PREFIX = 'no.outcomes:';
/** How long the first outcome waits for its superstep's checkpoint to be stored. @default 30_000 */
export const CHECKPOINT_WAIT_MS = 30_000;

/**
 * Where a coordinator pass stores each task's outcome the moment it is known: as pending writes on
 * the checkpoint its superstep started from, so a pass resumed after a crash reads them back and
 * runs only what is missing. One write per finished task, whatever the run's size: nothing scans
 * what was stored before, so the cost per task stays flat.
 */
export interface OutcomeLog {
  /** Outcomes stored by an earlier, interrupted try of this superstep, in the order they were stored. */
  readonly stored: readonly TaskOutcome[];
  /**
   * Resolves once `outcome` is in the checkpointer, or rejects with the checkpointer's error.
   * Outcomes appended while a write is in flight go together in the next one (a group commit), so
   * a saver that syncs to disk pays one round trip for many tasks.
   */
  append(outcome: TaskOutcome): Promise<void>;
}

interface Queued {
  outcome: TaskOutcome;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Opens the outcome log of the running coordinator node; without a checkpointer, outcomes live in memory only. */
export async function openOutcomeLog(config: LangGraphRunnableConfig): Promise<OutcomeLog> {
  const at = superstepCheckpointOf(config);
  if (at === undefined) return { stored: [], append: async () => {} };
  const { saver, address } = at;
  const tuple = await saver.getTuple(address);
  // With durability 'async' (the default) LangGraph stores a superstep's checkpoint while the
  // superstep already runs. An outcome written on a checkpoint that a crash then never stores would
  // be lost with it, after its completion was announced: so the first write waits until the
  // checkpoint is there.
  let present = tuple !== undefined;
  const checkpointStored = async (): Promise<void> => {
    const deadline = Date.now() + CHECKPOINT_WAIT_MS;
    for (let delay = 1; !present; delay = Math.min(delay * 2, 50)) {
      if (Date.now() > deadline) {
        throw new NoError('INTERNAL_ERROR', `the checkpointer has not stored checkpoint ${address.configurable.checkpoint_id} after ${CHECKPOINT_WAIT_MS} ms, so no task outcome can be stored durably: check that the checkpointer is reachable and its put() resolves`, {
          details: { checkpointId: address.configurable.checkpoint_id, waitedMs: CHECKPOINT_WAIT_MS },
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      present = (await saver.getTuple(address)) !== undefined;
    }
  };
  const stored: TaskOutcome[] = [];
  for (const [taskId, channel, value] of tuple?.pendingWrites ?? []) {
    if (channel === OUTCOME_CHANNEL && taskId.startsWith(BATCH_PREFIX)) stored.push(value as TaskOutcome);
  }
  // Batch ids must never repeat within the checkpoint: savers keep the first write under an id.
  const pass = randomUUID();
  let batches = 0;
  let queue: Queued[] = [];
  let writing = false;
  const drain = async (): Promise<void> => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        if (!present) await checkpointStored();
        await saver.putWrites(address, batch.map((q) => [OUTCOME_CHANNEL, q.outcome]), `${BATCH_PREFIX}${pass}:${batches++}`);
        for (const q of batch) q.resolve();
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    writing = false;
  };
  return {
    stored,
    append(outcome) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ outcome, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
