import { z } from 'zod';

/**
 * What an anomaly detector measures: an agent's or a tool's completed calls (`latency`,
 * `error-rate`, `output-size`), an agent's attempts still running past its bound (`stuck`), a run's
 * progress (`stall`).
 */
export const AnomalyKindSchema = z.enum(['latency', 'error-rate', 'output-size', 'stuck', 'stall']);
export type AnomalyKind = z.infer<typeof AnomalyKindSchema>;

/** What an anomaly is about: an agent of the pool, a tool of a layer, a run of the loop. */
export const AnomalySubjectTypeSchema = z.enum(['agent', 'tool', 'run']);
export type AnomalySubjectType = z.infer<typeof AnomalySubjectTypeSchema>;

/**
 * What self-healing may do: rebuild the agent from its factory, take it out of dispatch (its
 * tasks move to other agents), halve its concurrency, move tasks off the agents holding them (a
 * stalled run's, or an agent's stuck attempts), ask the loop's planner to re-plan a stalled run's
 * remaining work (`re-plan`, when the loop has a `replan` option), or nothing (no action applies,
 * or the subject is not an agent of the pool).
 */
export const HealingActionSchema = z.enum(['restart', 'quarantine', 'lower-concurrency', 'move-tasks', 're-plan', 'none']);
export type HealingAction = z.infer<typeof HealingActionSchema>;

export const AnomalySchema = z.object({
  /** Unique per detection; the resolution and every correction carry the same id. */
  id: z.string().min(1),
  kind: AnomalyKindSchema,
  subjectType: AnomalySubjectTypeSchema,
  /** The agent id, the tool name or the run id. */
  subject: z.string().min(1),
  /**
   * What crossed: the last latency (ms), output size (bytes), failure rate (0..1), the age of the
   * oldest stuck attempt (ms) or idle rounds.
   */
  value: z.number(),
  /** The robust baseline (median; for `stuck`, of the latencies its bound came from) or, for rates and stalls, 0. */
  baseline: z.number(),
  /** The bound the value crossed. */
  threshold: z.number(),
  message: z.string(),
  /** Epoch ms. */
  at: z.number(),
  /** For a stalled run: the agents holding its attempts when it stalled. */
  agentIds: z.array(z.string()).optional(),
  /** For a stalled run: its LangGraph thread (what a re-plan is asked for). */
  threadId: z.string().min(1).optional(),
});
export type Anomaly = z.infer<typeof AnomalySchema>;

export const HealingOutcomeSchema = z.enum(['applied', 'skipped', 'failed']);

export const CorrectionSchema = z.object({
  anomalyId: z.string().min(1),
  kind: AnomalyKindSchema,
  subjectType: AnomalySubjectTypeSchema,
  subject: z.string().min(1),
  action: HealingActionSchema,
  outcome: HealingOutcomeSchema,
  /** The agents the action touched. */
  agentIds: z.array(z.string()),
  reason: z.string(),
  at: z.number(),
});
export type Correction = z.infer<typeof CorrectionSchema>;
