import { NoError, toError } from '../contracts/errors.js';
import type { ToolCapability, ToolLayerLevel, ToolManifest, ToolResult } from '../contracts/tools.js';
import { requireNumber } from '../resilience/policy.js';
import { buildDag } from '../scheduler/dag.js';
import { chainResult, type ChainResult } from './chain-result.js';
import { errorResult, toolError, toToolError } from './errors.js';
import { createToolRegistry, type ToolRegistry } from './registry.js';
import type { ToolLayer } from './tool.js';
import { createToolStats, type ToolStats, type ToolStatsTracker } from './tool-stats.js';

/** Steps running at once when the caller sets no limit. @default 4 */
export const DEFAULT_MAX_PARALLEL = 4;

export type StepParams = unknown | ((results: Readonly<Record<string, ToolResult>>) => unknown);

/** One step of a chain: a tool by name, or any tool of a capability (the best by error rate, then latency). */
export interface ChainStep {
  id: string;
  tool?: string;
  capability?: ToolCapability;
  /** Narrows `tool` or `capability` to one layer. */
  layer?: ToolLayerLevel;
  /** The input, or a function of the results so far (every dependency's result is there). */
  params?: StepParams;
  /** Steps that must succeed before this one runs. */
  dependsOn?: string[];
}

export interface ToolOrchestratorOptions {
  /** Where tools are found. @default a registry of `layers` */
  registry?: ToolRegistry;
  layers?: ToolLayer[];
  /** Read-only steps running at once (mutating ones always run one at a time). @default DEFAULT_MAX_PARALLEL */
  maxParallel?: number;
}

export interface ExecuteChainOptions {
  /** @default 'anonymous' */
  caller?: string;
  /** Stops dispatching and aborts the steps in flight. */
  signal?: AbortSignal;
}

export interface ToolOrchestrator {
  readonly registry: ToolRegistry;
  /**
   * Runs a chain as a DAG: a step starts once its dependencies succeeded; read-only steps run in parallel
   * up to `maxParallel`, mutating steps never overlap one another. The first failure stops new dispatches.
   * @throws NoError (before anything runs) DUPLICATE_TASK, UNKNOWN_DEPENDENCY, CYCLE_DETECTED for a bad
   *   graph, TOOL_NOT_FOUND for a step no layer can serve, INVALID_REQUEST for a malformed step.
   */
  executeChain(chain: readonly ChainStep[], options?: ExecuteChainOptions): Promise<ChainResult>;
  /** Calls, errors, error rate and mean latency per tool, from every chain run so far. */
  stats(): ToolStats[];
}

/**
 * @example
 * const orchestrator = createToolOrchestrator({ layers: [primitive, dashboard], maxParallel: 4 });
 * const run = await orchestrator.executeChain([
 *   { id: 'sum', capability: 'compute', params: { expression: '2 + 3' } },
 *   { id: 'save', tool: 'atomic-write', dependsOn: ['sum'], params: (r) => ({ key: 'sum', value: (r.sum as any).data.value }) },
 * ]);
 */
export function createToolOrchestrator(options: ToolOrchestratorOptions = {}): ToolOrchestrator {
  const registry = options.registry ?? createToolRegistry();
  if (options.registry === undefined) for (const layer of options.layers ?? []) registry.add(layer);
  const maxParallel = requireNumber('maxParallel', options.maxParallel ?? DEFAULT_MAX_PARALLEL, { min: 1, integer: true });
  const stats: ToolStatsTracker = createToolStats();

  /** The manifest a step runs now: its named tool, or its capability's best tool by the figures so far. */
  function choose(step: ChainStep): ToolManifest {
    if ((step.tool === undefined) === (step.capability === undefined)) {
      throw new NoError('INVALID_REQUEST', `step '${step.id}' needs exactly one of tool and capability`, { details: { stepId: step.id } });
    }
    const candidates =
      step.tool !== undefined
        ? [registry.resolve(step.tool, step.layer)?.manifest].filter((m): m is ToolManifest => m !== undefined)
        : registry.find({ capability: step.capability as ToolCapability, ...(step.layer === undefined ? {} : { layer: step.layer }) });
    const best = stats.rank(candidates)[0];
    if (best === undefined) {
      throw new NoError('TOOL_NOT_FOUND', `step '${step.id}': no layer has ${step.tool !== undefined ? `tool '${step.tool}'` : `a '${step.capability}' tool`}`, {
        details: { stepId: step.id, tool: step.tool, capability: step.capability, layer: step.layer },
      });
    }
    return best;
  }

  async function runStep(step: ChainStep, manifest: ToolManifest, results: ReadonlyMap<string, ToolResult>, run: ExecuteChainOptions): Promise<ToolResult> {
    let params: unknown;
    try {
      params = typeof step.params === 'function' ? (step.params as (r: Record<string, ToolResult>) => unknown)(Object.fromEntries(results)) : step.params;
    } catch (error) {
      return errorResult(manifest.name, manifest.layer, toolError('INVALID_INPUT', `params of step '${step.id}' threw: ${toError(error).message}`, { details: { stepId: step.id } }), 0);
    }
    const layer = registry.layer(manifest.layer) as ToolLayer;
    let result: ToolResult;
    try {
      result = await layer.invoke(manifest.name, params, { ...(run.caller === undefined ? {} : { caller: run.caller }), ...(run.signal === undefined ? {} : { signal: run.signal }) });
    } catch (error) {
      // A layer's invoke must not throw; a foreign one that does still fails only its step.
      result = errorResult(manifest.name, manifest.layer, toToolError(error), 0);
    }
    stats.record(manifest, result);
    return result;
  }

  return {
    registry,
    stats: () => stats.snapshot(),
    async executeChain(chain, run = {}) {
      const dag = buildDag(chain.map((s) => ({ id: s.id, dependsOn: s.dependsOn ?? [] })));
      chain.forEach(choose); // every step must be servable before anything runs
      const waiting = dag.preds.map((p) => p.length);
      const ready: number[] = dag.order.filter((i) => waiting[i] === 0);
      const results = new Map<string, ToolResult>();
      let running = 0;
      let mutatingRunning = false;
      let failedStep: string | undefined;

      return new Promise<ChainResult>((resolve) => {
        const finish = (): void => resolve(chainResult(dag.ids, results, failedStep));
        const pump = (): void => {
          for (let k = 0; failedStep === undefined && !run.signal?.aborted && k < ready.length && running < maxParallel; ) {
            const index = ready[k] as number;
            const step = chain[index] as ChainStep;
            const manifest = choose(step);
            if (manifest.mutating && mutatingRunning) {
              k++;
              continue;
            }
            ready.splice(k, 1);
            running++;
            if (manifest.mutating) mutatingRunning = true;
            void runStep(step, manifest, results, run).then((result) => {
              running--;
              if (manifest.mutating) mutatingRunning = false;
              results.set(step.id, result);
              if (!result.ok) failedStep ??= step.id;
              else {
                for (const next of dag.succs[index] as number[]) if (--(waiting[next] as number) === 0) ready.push(next);
                ready.sort((a, b) => a - b);
              }
              pump();
            });
          }
          if (running === 0) finish();
        };
        pump();
      });
    },
  };
}
