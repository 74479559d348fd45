import fc from 'fast-check';
import { TaskSchema } from '../../src/contracts/index';
import { fastParseTasks } from '../../src/scheduler/fast-parse';

// Values that hit each rule's edges: types, ranges, lengths, defaults.
const edgy = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.constant(''), fc.string({ maxLength: 3 }), fc.constant('x'.repeat(300)),
  fc.integer({ min: -3, max: 120 }), fc.double({ noNaN: false }), fc.constant(Infinity), fc.boolean(),
  fc.constantFrom('low', 'medium', 'high', 'none', 'idempotent', 'external', 'extreme'),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer({ min: -1, max: 5 })),
);
const taskLike = fc.record(
  {
    id: fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), edgy),
    dependsOn: fc.oneof(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }), edgy),
    estimatedDurationMs: fc.oneof(fc.integer({ min: 0, max: 100 }), edgy),
    resources: fc.oneof(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 9 })), edgy),
    priority: fc.oneof(fc.integer({ min: 1, max: 10 }), edgy),
    capability: edgy,
    input: fc.anything(),
    risk: edgy,
    sideEffects: edgy,
    taskClass: edgy,
    timeoutMs: edgy,
    retries: edgy,
    fallback: fc.constant({ value: 1 }),
    extra: fc.constant(1),
  },
  { requiredKeys: [] },
);

describe('fastParseTasks', () => {
  it('returns exactly what TaskSchema.parse returns, or declines', () => {
    fc.assert(
      fc.property(fc.array(taskLike, { minLength: 1, maxLength: 3 }), (tasks) => {
        const fast = fastParseTasks(tasks);
        const zod = tasks.map((t) => TaskSchema.safeParse(t));
        if (fast === undefined) return; // declined: the caller parses with Zod
        expect(zod.every((r) => r.success)).toBe(true);
        expect(fast).toEqual(zod.map((r) => (r.success ? r.data : undefined)));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for the common shape and declines anything unusual', () => {
    const common = [{ id: 'a', dependsOn: [], estimatedDurationMs: 3, resources: { cpu: 1 }, capability: 'http', input: { q: 1 } }];
    expect(fastParseTasks(common)).toEqual(common.map((t) => TaskSchema.parse(t)));
    expect(fastParseTasks([{ id: 'a', fallback: { value: 1 } }])).toBeUndefined();
    expect(fastParseTasks([{ id: 'a', resources: Object.create({ inherited: 1 }) }])).toBeUndefined();
    expect(fastParseTasks([{ id: 'a', timeoutMs: 5, retries: 2, taskClass: 'etl' }])).toEqual([TaskSchema.parse({ id: 'a', timeoutMs: 5, retries: 2, taskClass: 'etl' })]);
  });
});
