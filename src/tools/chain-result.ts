import type { ToolLayerLevel, ToolResult } from '../contracts/tools.js';

/**
 * What a chain of tool calls came to, whichever runner ran it: the orchestrator (a DAG of steps across
 * layers, from code) or the `tool-chain` tool (a sequence in one layer, from an MCP client or a model).
 * Steps are named by their id in the orchestrator, by `as` or their index in `tool-chain`.
 */
export interface ChainResult {
  /** True when every step ran and succeeded. */
  ok: boolean;
  /** The result of every step that ran, by step name. */
  results: Record<string, ToolResult>;
  /** Distinct layers whose tools ran. */
  layersExecuted: number;
  /** The first step that failed. */
  failedStep?: string;
  /** Steps that never ran (after a failure or an abort), in chain order. */
  skipped: string[];
}

/** The ChainResult of a chain whose steps are `names` (in chain order) once no step is running. */
export function chainResult(names: readonly string[], results: ReadonlyMap<string, ToolResult>, failedStep: string | undefined): ChainResult {
  const skipped = names.filter((name) => !results.has(name));
  const layers = new Set<ToolLayerLevel>();
  for (const result of results.values()) layers.add(result.layer);
  const out: ChainResult = { ok: failedStep === undefined && skipped.length === 0, results: Object.fromEntries(results), layersExecuted: layers.size, skipped };
  if (failedStep !== undefined) out.failedStep = failedStep;
  return out;
}
