import * as compat from '../../src/compat/index';
import * as surfaceModule from '../../src/compat/surface';
import {
  AgentRoleSchema,
  NO_STRATEGY_OF,
  OrchestrationStrategySchema,
  OrchestrationTaskStatus,
  fromNoStrategy,
  toNoStrategy,
} from '../../src/compat/index';
import { isNoError, ToolErrorSchema } from '../../src/contracts/index';
import { toToolError } from '../../src/tools/errors';
import { thrown } from '../helpers/errors';
import { CHECKS, COMPAT_EXPORTS, CURRENT_EXPORTS, ROLES, STRATEGIES, uuid, type Surface } from './surface-spec';

describe('the current package surface, from src/compat (all but the MCP tools)', () => {
  const surface = compat as unknown as Surface;
  it('exports the 14 compat names as values', () => {
    expect(COMPAT_EXPORTS).toHaveLength(14);
    expect(COMPAT_EXPORTS.filter((n) => surface[n] === undefined)).toEqual([]);
  });
  it('src/compat/surface.ts gathers all 18 names: those, and the MCP tools', () => {
    expect(Object.keys(surfaceModule).sort()).toEqual([...CURRENT_EXPORTS].sort());
    for (const n of COMPAT_EXPORTS) expect((surfaceModule as unknown as Surface)[n]).toBe(surface[n]);
  });
  it.each(COMPAT_EXPORTS)('%s has its kind and shape', async (exportName) => {
    await CHECKS[exportName](surface);
  });
});

describe('AgentRole and OrchestrationStrategy', () => {
  it('work as enums (types and values) and as Zod enums', () => {
    const role: compat.AgentRole = compat.AgentRole.COORDINATOR;
    const strategy: compat.OrchestrationStrategy = compat.OrchestrationStrategy.REACTIVE;
    expect(AgentRoleSchema.parse(role)).toBe('coordinator');
    expect(OrchestrationStrategySchema.parse(strategy)).toBe('reactive');
    expect(AgentRoleSchema.safeParse('boss').success).toBe(false);
    expect(AgentRoleSchema.options).toEqual(ROLES);
  });

  it('toNoStrategy maps each current strategy to an nO strategy', () => {
    expect(STRATEGIES.map((s) => toNoStrategy(s as compat.OrchestrationStrategy))).toEqual([
      'sequential-safe',
      'parallel',
      'adaptive',
      'parallel-coordinated',
      'adaptive',
    ]);
    expect(toNoStrategy(compat.OrchestrationDefaults.defaultStrategy)).toBe('adaptive');
    expect(Object.isFrozen(NO_STRATEGY_OF)).toBe(true);
  });

  it("toNoStrategy passes nO's own names through and refuses anything else", () => {
    for (const s of ['sequential-safe', 'parallel', 'parallel-coordinated', 'adaptive'] as const) expect(toNoStrategy(s)).toBe(s);
    const error = thrown(() => toNoStrategy('chaotic' as never));
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.message).toBe("unknown orchestration strategy 'chaotic'");
    expect(thrown(() => toNoStrategy('toString' as never)).code).toBe('INVALID_INPUT');
  });

  it('fromNoStrategy names a concrete strategy the current way, and round-trips', () => {
    expect(fromNoStrategy('sequential-safe')).toBe('sequential');
    expect(fromNoStrategy('parallel')).toBe('parallel');
    expect(fromNoStrategy('parallel-coordinated')).toBe('hierarchical');
    expect(fromNoStrategy('adaptive')).toBe('adaptive');
    for (const s of ['sequential', 'parallel', 'hierarchical', 'adaptive'] as const) expect(fromNoStrategy(toNoStrategy(s) as never)).toBe(s);
  });
});

describe('Schemas (the current package shapes)', () => {
  const task = {
    id: uuid(1),
    title: 'Ship it',
    description: 'release 2.0',
    status: OrchestrationTaskStatus.PENDING,
    priority: 5,
    createdAt: new Date(0),
  };
  const plan = {
    id: uuid(2),
    taskId: uuid(1),
    strategy: 'hierarchical',
    phases: ['plan', 'build'],
    dependencies: { build: ['plan'] },
    estimatedDuration: 1000,
    resourceRequirements: { minAgents: 1, maxAgents: 3, requiredCapabilities: ['code'] },
    checkpoints: [{ phase: 'build', criteria: ['tests pass'], validation: 'npm test' }],
    createdAt: new Date(0),
  };

  it('parses a current task, filling the defaults', () => {
    expect(compat.Schemas.Task.parse(task)).toEqual({ ...task, dependencies: [], requiredCapabilities: [], context: {}, metadata: {} });
  });

  it('refuses a bad task, naming the field', () => {
    const result = compat.Schemas.Task.safeParse({ ...task, priority: 11, status: 'done', id: 'x' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['id', 'priority', 'status']);
  });

  it('accepts ids without RFC 9562 version bits, as the current package did', () => {
    expect(compat.Schemas.Task.safeParse({ ...task, id: 'abcdefab-cdef-abcd-efab-cdefabcdefab' }).success).toBe(true);
  });

  it('parses a current plan, and is strict about unknown keys', () => {
    expect(compat.Schemas.ExecutionPlan.parse(plan)).toEqual(plan);
    expect(compat.Schemas.ExecutionPlan.safeParse({ ...plan, extra: 1 }).success).toBe(false);
    expect(compat.Schemas.ExecutionPlan.safeParse({ ...plan, strategy: 'sequential-safe' }).success).toBe(false);
  });
});

describe('tool errors', () => {
  it('ToolValidationError is a NoError INVALID_INPUT carrying the issues, and the tool gate maps it', () => {
    const issues = [{ path: 'steps[0].agent', message: 'Required' }];
    const cause = new Error('zod');
    const error = new compat.ToolValidationError('invalid workflow input', { issues, details: { tool: 'x' }, cause });
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.issues).toEqual(issues);
    expect(error.details).toEqual({ tool: 'x', issues });
    expect(error.cause).toBe(cause);
    expect(toToolError(error).code).toBe('INVALID_INPUT');
    const plain = new compat.ToolValidationError('plain');
    expect(plain.issues).toEqual([]);
    expect(plain.details).toEqual({});
  });

  it('createToolErrorResponse fills the timestamp from the clock, omits absent options, refuses unknown codes', () => {
    const now = () => new Date('2025-01-01T00:00:00.000Z');
    expect(compat.createToolErrorResponse(compat.ToolErrorCode.RATE_LIMITED, 'slow', { now })).toStrictEqual({
      code: 'RATE_LIMITED',
      message: 'slow',
      timestamp: '2025-01-01T00:00:00.000Z',
    });
    expect(compat.toolErrorResponseSchema).toBe(ToolErrorSchema);
    const error = thrown(() => compat.createToolErrorResponse('OOPS' as never, 'x'));
    expect(isNoError(error, 'INVALID_INPUT')).toBe(true);
    expect(error.message).toBe("unknown tool error code 'OOPS'");
  });
});
