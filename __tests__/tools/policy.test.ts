import fc from 'fast-check';
import { isNoError } from '../../src/contracts/errors.js';
import { coercePolicy, decide, DEFAULT_LAYER_EFFECT, type PolicyRequest } from '../../src/tools/policy.js';

const call = (overrides: Partial<PolicyRequest> = {}): PolicyRequest => ({
  caller: 'agent-1',
  layer: 'execution',
  capability: 'process',
  tool: 'process-execution',
  ...overrides,
});

describe('tool policy', () => {
  it('allows primitive and dashboard calls and denies execution calls when no rule matches', () => {
    const empty = coercePolicy(undefined);
    expect(decide(empty, call({ layer: 'primitive', capability: 'compute' })).effect).toBe('allow');
    expect(decide(empty, call({ layer: 'dashboard', capability: 'metrics' })).effect).toBe('allow');
    const denied = decide(empty, call());
    expect(denied).toEqual({ effect: 'deny', reason: "no policy rule matches; the execution layer's default is deny" });
    expect(DEFAULT_LAYER_EFFECT.execution).toBe('deny');
  });

  it('allows an execution call a rule allows, and names the rule', () => {
    const policy = coercePolicy({ rules: [{ caller: 'other', effect: 'deny' }, { caller: 'agent-1', layer: 'execution', capability: '*', effect: 'allow' }] });
    expect(decide(policy, call())).toEqual({ effect: 'allow', ruleIndex: 1, reason: 'allowed by policy rule 1' });
  });

  it('matches each given field exactly and treats * and a missing field as any', () => {
    const policy = coercePolicy({ rules: [{ caller: '*', layer: 'execution', tool: 'file-system-operation', effect: 'allow' }] });
    expect(decide(policy, call({ tool: 'file-system-operation', capability: 'file-system' })).effect).toBe('allow');
    expect(decide(policy, call()).effect).toBe('deny');
  });

  it('refuses a malformed policy with a typed error naming the field', () => {
    let caught: unknown;
    try {
      coercePolicy({ rules: [{ caller: 'a', effect: 'maybe' as 'allow' }] });
    } catch (error) {
      caught = error;
    }
    expect(isNoError(caught, 'INVALID_REQUEST')).toBe(true);
    expect((caught as Error).message).toContain('rules[0].effect');
  });

  it('lets a matching deny win over any matching allow, whatever the rule order', () => {
    const rule = fc.record({ caller: fc.constantFrom('*', 'agent-1'), effect: fc.constantFrom('allow' as const, 'deny' as const) });
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 6 }), (rules) => {
        const { effect } = decide(coercePolicy({ rules }), call({ layer: 'primitive', capability: 'compute' }));
        if (rules.some((r) => r.effect === 'deny')) expect(effect).toBe('deny');
        else expect(effect).toBe('allow');
      }),
    );
  });
});
