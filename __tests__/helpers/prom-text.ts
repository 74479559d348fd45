/** One sample of the Prometheus text exposition format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  types: Map<string, string>;
  samples: PromSample[];
  /** Samples of a metric (histograms: pass `name_bucket`, `name_count`...). */
  get(name: string, labels?: Record<string, string>): PromSample[];
  /** The one sample's value; fails the test when there is not exactly one. */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus' text format strictly enough that a malformed line fails the test. */
export function parsePromText(text: string): PromText {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = line.match(/^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/);
      if (type) types.set(type[1]!, type[2]!);
      else if (!/^# (HELP|UNIT) \S+/.test(line)) throw new Error(`not a Prometheus comment: ${line}`);
      continue;
    }
    const m = line.match(SAMPLE);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`not a number in: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  const matches = (s: PromSample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const get = (name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && matches(s, labels));
  return {
    types,
    samples,
    get,
    value(name, labels = {}) {
      const found = get(name, labels);
      if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
      return found[0]!.value;
    },
  };
}
