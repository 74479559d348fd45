import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALERT_NAMES, DEFAULT_ALERT_THRESHOLDS } from '../../src/observe/index';
import { METRICS, OPERATOR_METRICS } from '../../src/telemetry/index';
import { MESSAGE_METRICS } from '../../src/network/metrics';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const file = join(__dirname, '..', '..', 'examples', 'prometheus-alerts.yml');
const doc = parse(readFileSync(file, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
const rules = doc.groups.flatMap((g) => g.rules);

const exported = new Set<string>();
for (const m of [...Object.values(METRICS), ...Object.values(OPERATOR_METRICS), ...Object.values(MESSAGE_METRICS)]) {
  exported.add(m.name);
  // Histograms are exported as these three series.
  if ('buckets' in m) for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m.name + suffix);
}

describe('examples/prometheus-alerts.yml', () => {
  it('is a Prometheus rule file whose rules each have a name, an expression, a severity and a summary', () => {
    expect(doc.groups.map((g) => g.name)).toEqual(['langgraph-no']);
    for (const rule of rules) {
      expect([rule.alert, typeof rule.expr, rule.labels?.['severity'], typeof rule.annotations?.['summary']])
        .toEqual([rule.alert, 'string', expect.stringMatching(/^(warning|critical)$/), 'string']);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('has the same alerts as watchAlerts, under the same names', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([...ALERT_NAMES].sort());
  });

  it('names only metrics the package exports, and each expression names at least one', () => {
    for (const rule of rules) {
      const named = [...rule.expr.matchAll(/\b(no_[a-z_]+)\b/g)].map((m) => m[1]!);
      expect([rule.alert, named.length > 0]).toEqual([rule.alert, true]);
      expect([rule.alert, named.filter((n) => !exported.has(n))]).toEqual([rule.alert, []]);
    }
  });

  it('balances its brackets and quotes, and uses the in-process default thresholds', () => {
    for (const rule of rules) {
      let depth = 0;
      for (const ch of rule.expr) {
        depth += ch === '(' || ch === '{' || ch === '[' ? 1 : ch === ')' || ch === '}' || ch === ']' ? -1 : 0;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
      expect([rule.alert, depth, (rule.expr.match(/"/g) ?? []).length % 2]).toEqual([rule.alert, 0, 0]);
    }
    const expr = (name: string) => rules.find((r) => r.alert === name)!.expr;
    expect(expr('NoHighErrorRate')).toContain(`>= ${DEFAULT_ALERT_THRESHOLDS.errorRate}`);
    expect(expr('NoHighErrorRate')).toContain(`>= ${DEFAULT_ALERT_THRESHOLDS.minAttempts}`);
    expect(expr('NoTaskBacklog')).toContain(`>= ${DEFAULT_ALERT_THRESHOLDS.backlog}`);
    expect(expr('NoCircuitBreakersOpen')).toContain(`>= ${DEFAULT_ALERT_THRESHOLDS.openBreakers}`);
    expect(expr('NoRunStalled')).toContain(`[${DEFAULT_ALERT_THRESHOLDS.stalledRunMs / 60_000}m]`);
    expect(expr('NoHighErrorRate')).toContain(`[${DEFAULT_ALERT_THRESHOLDS.windowMs / 60_000}m]`);
  });
});
