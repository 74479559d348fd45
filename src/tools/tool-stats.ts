import type { ToolLayerLevel, ToolManifest, ToolResult } from '../contracts/tools.js';

/** Observed figures of one tool. */
export interface ToolStats {
  layer: ToolLayerLevel;
  tool: string;
  calls: number;
  errors: number;
  /** errors / calls, 0 before any call. */
  errorRate: number;
  /** Mean duration of its calls, 0 before any call. */
  meanLatencyMs: number;
}

export interface ToolStatsTracker {
  record(manifest: Pick<ToolManifest, 'layer' | 'name'>, result: ToolResult): void;
  /**
   * Candidates best first: lowest error rate, then lowest mean latency, then name. A tool never called
   * ranks as 0 errors and 0 ms, so every equivalent tool gets tried before the figures settle.
   */
  rank<T extends Pick<ToolManifest, 'layer' | 'name'>>(candidates: readonly T[]): T[];
  snapshot(): ToolStats[];
}

const keyOf = (m: Pick<ToolManifest, 'layer' | 'name'>): string => `${m.layer}\u0000${m.name}`;

export function createToolStats(): ToolStatsTracker {
  const figures = new Map<string, { layer: ToolLayerLevel; tool: string; calls: number; errors: number; totalMs: number }>();
  const view = (m: Pick<ToolManifest, 'layer' | 'name'>): ToolStats => {
    const f = figures.get(keyOf(m));
    if (f === undefined) return { layer: m.layer, tool: m.name, calls: 0, errors: 0, errorRate: 0, meanLatencyMs: 0 };
    return { layer: f.layer, tool: f.tool, calls: f.calls, errors: f.errors, errorRate: f.errors / f.calls, meanLatencyMs: f.totalMs / f.calls };
  };
  return {
    record(manifest, result) {
      const key = keyOf(manifest);
      const f = figures.get(key) ?? { layer: manifest.layer, tool: manifest.name, calls: 0, errors: 0, totalMs: 0 };
      f.calls += 1;
      if (!result.ok) f.errors += 1;
      f.totalMs += result.durationMs;
      figures.set(key, f);
    },
    rank(candidates) {
      return candidates
        .map((c) => ({ c, s: view(c) }))
        .sort((a, b) => a.s.errorRate - b.s.errorRate || a.s.meanLatencyMs - b.s.meanLatencyMs || a.c.name.localeCompare(b.c.name))
        .map((x) => x.c);
    },
    snapshot: () => [...figures.values()].map((f) => view({ layer: f.layer, name: f.tool })),
  };
}
