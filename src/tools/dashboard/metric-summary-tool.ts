import { z } from 'zod';
import { defineTool, type ToolDefinition } from '../tool.js';

/** Values per series accepted. @default 1_000_000 */
export const DEFAULT_MAX_SERIES_VALUES = 1_000_000;

const Series = z.array(z.number().refine(Number.isFinite, 'must be finite')).max(DEFAULT_MAX_SERIES_VALUES);

export const MetricSummaryInputSchema = z.object({
  /** One series, or several by name. */
  series: z.union([Series, z.record(z.string().min(1), Series)]),
});

export interface SeriesSummary {
  name: string;
  count: number;
  mean: number | null;
  stddev: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * Count, mean, population standard deviation, min, max and nearest-rank percentiles
 * (p-th percentile = the smallest value with at least p % of values at or below it).
 *
 * @example
 * summarize('latency', [1, 2, 3, 4]); // { count: 4, mean: 2.5, p50: 2, p95: 4, ... }
 */
export function summarize(name: string, values: readonly number[]): SeriesSummary {
  const n = values.length;
  if (n === 0) return { name, count: 0, mean: null, stddev: null, min: null, max: null, p50: null, p95: null, p99: null };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] as number;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  return {
    name,
    count: n,
    mean,
    stddev: Math.sqrt(squares / n),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
  };
}

export function metricSummaryTool(): ToolDefinition {
  return defineTool({
    name: 'metric-summary',
    capability: 'metrics',
    description: 'Summarises numeric series: count, mean, stddev, min, max, p50, p95, p99 (nearest rank).',
    input: MetricSummaryInputSchema,
    mutating: false,
    run: async ({ series }) => {
      const named = Array.isArray(series) ? [['series', series] as const] : Object.entries(series);
      return { summaries: named.map(([name, values]) => summarize(name, values)) };
    },
  });
}
