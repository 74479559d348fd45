import {
  ALL_EVENT_SCHEMAS,
  DEFAULT_EVENT_TTL_MS,
  EVENT_TYPES,
  EventEnvelopeSchema,
  NO_EVENT_SCHEMAS,
  NoEventTypes,
  ORCHESTRATION_EVENT_SCHEMAS,
  OrchestrationEventTypes,
} from '../../src/contracts/index';
import { expectRejected } from './helpers';

describe('event contracts', () => {
  it('keeps the current package\'s 11 event type strings', () => {
    expect(Object.values(OrchestrationEventTypes).sort()).toEqual([
      'orchestration.agent.assigned', 'orchestration.agent.freed', 'orchestration.coordination.started',
      'orchestration.decision.made', 'orchestration.plan.created', 'orchestration.plan.updated',
      'orchestration.resource.allocated', 'orchestration.task.completed', 'orchestration.task.created',
      'orchestration.task.failed', 'orchestration.task.started',
    ]);
    expect(Object.keys(ORCHESTRATION_EVENT_SCHEMAS)).toHaveLength(11);
  });

  it('adds the nO event types with schemas', () => {
    expect(NoEventTypes.AgentCoordinationStarted).toBe('no.agent.coordination.started');
    expect(Object.keys(NO_EVENT_SCHEMAS)).toEqual(expect.arrayContaining([NoEventTypes.ScheduleAdjusted, NoEventTypes.ToolLayerInvoked]));
    expect(EVENT_TYPES).toHaveLength(Object.keys(ALL_EVENT_SCHEMAS).length);
    expect(() => NO_EVENT_SCHEMAS[NoEventTypes.AgentCoordinationStarted].parse({})).toThrow();
  });

  it.each([
    [OrchestrationEventTypes.TaskStarted, { taskId: 't', attempt: 0 }, 'attempt'],
    [OrchestrationEventTypes.TaskCompleted, { taskId: 't', result: 1, durationMs: -1 }, 'durationMs'],
    [OrchestrationEventTypes.PlanUpdated, { planId: 'p', changes: [] }, 'changes'],
    [OrchestrationEventTypes.DecisionMade, { decisionId: 'd', outcome: 'o', confidence: 1.1 }, 'confidence'],
    [OrchestrationEventTypes.ResourceAllocated, { resourceId: 'cpu', taskId: 't', amount: 0 }, 'amount'],
    [NoEventTypes.ToolLayerInvoked, { layer: 'kernel', tool: 't', caller: 'c', success: true, durationMs: 1 }, 'layer'],
    [NoEventTypes.AnomalyDetected, { id: 'x', kind: 'slowness', subjectType: 'agent', subject: 'a', value: 1, baseline: 0, threshold: 1, message: '', at: 0 }, 'kind'],
    [NoEventTypes.AnomalyResolved, { id: 'x', kind: 'stall', subjectType: 'queue', subject: 'r', value: 1, baseline: 0, threshold: 1, message: '', at: 0 }, 'subjectType'],
    [NoEventTypes.AnomalyCorrected, { anomalyId: 'x', kind: 'latency', subjectType: 'agent', subject: 'a', action: 'reboot', outcome: 'applied', agentIds: [], reason: '', at: 0 }, 'action'],
    [NoEventTypes.PlanRevised, { runId: 'r', replan: 0, trigger: 'tasks-failed', reason: '', outcome: 'revised', previousPlanId: 'p', kept: [], added: [], dropped: [], attempts: 1 }, 'replan'],
  ])('the %s payload rejects a bad field', (type, payload, field) => {
    expectRejected(ALL_EVENT_SCHEMAS[type as keyof typeof ALL_EVENT_SCHEMAS], payload, field);
  });

  it('accepts a CloudEvents 1.0 envelope and fills ttl and headers', () => {
    const envelope = EventEnvelopeSchema.parse({
      id: 'e1', type: OrchestrationEventTypes.TaskCreated, source: 'urn:cortex:orchestration', specversion: '1.0',
      time: '2026-11-24T06:00:00.000Z', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', data: { taskId: 't', input: 1 },
    });
    expect(envelope.ttlMs).toBe(DEFAULT_EVENT_TTL_MS);
    expect(envelope.headers).toEqual({});
    expect(envelope.datacontenttype).toBe('application/json');
  });

  it.each([
    ['specversion', { specversion: '0.3' }],
    ['source', { source: 'not a uri' }],
    ['time', { time: 'yesterday' }],
    ['traceparent', { traceparent: 'abc' }],
  ])('rejects an envelope with a bad %s', (field, patch) => {
    const base = { id: 'e', type: 't', source: 'urn:x:y', specversion: '1.0', time: '2026-11-24T06:00:00Z', data: null };
    expectRejected(EventEnvelopeSchema, { ...base, ...patch }, field);
  });
});
