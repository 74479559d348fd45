import {
  AGENT_STATE_VERSION,
  AgentConfigurationSchema,
  AgentErrorSchema,
  AgentIdSchema,
  AgentMessageSchema,
  AgentStateSchema,
  BroadcastMessageSchema,
  DeliveredMessageSchema,
  ExecutionResultSchema,
  LAYER_CAPABILITIES,
  RecoveryActionSchema,
  TelemetryRecordSchema,
  ToolManifestSchema,
  ToolResultSchema,
} from '../../src/contracts/index';
import { expectRejected } from './helpers';

describe('loop contracts', () => {
  it('accepts an agent configuration and rejects one with no capability', () => {
    expect(AgentConfigurationSchema.parse({ id: 'w1', capabilities: ['http'] }).maxConcurrency).toBe(1);
    expectRejected(AgentConfigurationSchema, { id: 'w1', capabilities: [] }, 'capabilities');
    expectRejected(AgentConfigurationSchema, { id: 'w1', capabilities: ['x'], maxConcurrency: 1.5 }, 'maxConcurrency');
  });

  it('pins the agent state version so old states must migrate', () => {
    const state = { version: AGENT_STATE_VERSION, agentId: 'a', status: 'idle', circuit: 'closed', activeTasks: 0, consecutiveFailures: 0, totalSuccesses: 0, totalFailures: 0, restarts: 0, avgLatencyMs: 0, updatedAt: 0 };
    expect(AgentStateSchema.parse(state).memory).toEqual({});
    expectRejected(AgentStateSchema, { ...state, version: 0 }, 'version');
    expectRejected(AgentStateSchema, { ...state, circuit: 'ajar' }, 'circuit');
  });

  it('knows the seed recovery actions and levels', () => {
    const action = { type: 'restart-and-redistribute', level: 'agent', taskId: 't', agentId: 'a', targetAgentId: 'b', reason: 'agent fault' };
    expect(RecoveryActionSchema.parse(action).type).toBe('restart-and-redistribute');
    expectRejected(RecoveryActionSchema, { ...action, level: 'galaxy' }, 'level');
    expectRejected(AgentErrorSchema, { taskId: 't', classification: 'weird', message: 'm', attempt: 1, at: 0 }, 'classification');
    expectRejected(ExecutionResultSchema, { planId: 'p', status: 'done', strategy: 'parallel', results: {}, errors: [], recoveries: [], compensated: [], durationMs: 0 }, 'status');
  });
});

describe('tool contracts', () => {
  it('accepts a manifest and keeps each layer to its capabilities', () => {
    const manifest = { name: 'file-system-operation', layer: 'execution', capability: 'file-system', description: 'fs', inputSchema: { type: 'object' }, mutating: true };
    expect(ToolManifestSchema.parse(manifest).name).toBe('file-system-operation');
    expectRejected(ToolManifestSchema, { ...manifest, name: 'Bad Name' }, 'name');
    expectRejected(ToolManifestSchema, { ...manifest, capability: 'teleport' }, 'capability');
    expect(LAYER_CAPABILITIES.dashboard).toContain('visualization');
    expect(LAYER_CAPABILITIES.execution).toContain('file-system');
  });

  it('discriminates tool results on ok and uses the current error codes', () => {
    const ok = ToolResultSchema.parse({ ok: true, tool: 't', layer: 'dashboard', data: 1, durationMs: 2 });
    expect(ok.ok && ok.type).toBe('data');
    expectRejected(ToolResultSchema, { ok: false, tool: 't', layer: 'dashboard', durationMs: 1, error: { code: 'OOPS', message: 'm', timestamp: 'now' } }, 'error.code');
  });
});

describe('network contracts', () => {
  it('accepts messages and rejects bad ids and topics', () => {
    expect(AgentIdSchema.parse('agent-1')).toBe('agent-1');
    expectRejected(AgentIdSchema, 'agent 1', '');
    expect(AgentMessageSchema.parse({ type: 'hello', payload: { n: 1 } }).type).toBe('hello');
    expectRejected(AgentMessageSchema, { type: '', payload: null }, 'type');
    expectRejected(BroadcastMessageSchema, { type: 't', payload: 1, topic: 'Has Spaces' }, 'topic');
    expectRejected(DeliveredMessageSchema, { type: 't', payload: 1, id: 'm', from: 'a', sentAt: 0, nonce: 'short', signature: 's' }, 'nonce');
  });
});

describe('telemetry record', () => {
  it('accepts a decision record and rejects a malformed trace id', () => {
    const record = { kind: 'decision', name: 'strategy', timestamp: '2026-01-01T00:00:00Z', attributes: { strategy: 'parallel', tasks: 3, ok: true } };
    expect(TelemetryRecordSchema.parse(record).attributes['tasks']).toBe(3);
    expectRejected(TelemetryRecordSchema, { ...record, traceId: 'xyz' }, 'traceId');
    expectRejected(TelemetryRecordSchema, { ...record, attributes: { nested: { a: 1 } } }, 'attributes.nested');
  });
});
