import { metrics } from '@opentelemetry/api';
import { AIMessage } from '@langchain/core/messages';
import { loadOptional } from '../../src/observe/load';
import { createPrometheusMetrics, serveObservability, jsonLogger } from '../../src/observe/index';
import { TokenUsageHandler } from '../../src/loop/token-usage';
import { invokeAgent } from '../../src/loop/agents';
import { logEvents } from '../../src/loop/event-log';
import { createEventEnvelope } from '../../src/telemetry/events';

describe('observe edges', () => {
  it('says which optional peer to install when it is missing', async () => {
    await expect(loadOptional('@opentelemetry/not-a-package', 'createPrometheusMetrics')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'createPrometheusMetrics needs @opentelemetry/not-a-package, an optional peer dependency: npm install @opentelemetry/not-a-package',
    });
    // Every package the feature needs is in the one command, so a second attempt does not stop at the next one.
    await expect(loadOptional('@opentelemetry/not-a-package', 'createPrometheusMetrics', '@opentelemetry/not-a-package @opentelemetry/another')).rejects.toMatchObject({
      message: expect.stringMatching(/npm install @opentelemetry\/not-a-package @opentelemetry\/another$/),
    });
  });

  it('answers 500 with the error when a metrics source throws, and drops the connection when it fails mid-answer', async () => {
    const throwing = { handle: () => { throw new Error('exporter broke'); } };
    const server = await serveObservability({ port: 0, metrics: throwing });
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect([res.status, await res.text()]).toEqual([500, 'exporter broke\n']);
    } finally {
      await server.close();
    }
    const half = { handle: (_req: unknown, res: import('node:http').ServerResponse) => { res.writeHead(200); res.write('partial'); throw new Error('mid'); } };
    const second = await serveObservability({ port: 0, metrics: half });
    try {
      await expect(fetch(`${second.url}/metrics`).then((r) => r.text())).rejects.toThrow();
    } finally {
      await second.close();
    }
  });

  it('serves a user\'s own PrometheusExporter, and shutting down twice is harmless', async () => {
    const prom = await createPrometheusMetrics({ register: true });
    const server = await serveObservability({ port: 0, metrics: prom.exporter });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    } finally {
      await server.close();
    }
    await prom.shutdown();
    await prom.shutdown();
    expect(metrics.getMeterProvider()).not.toBe(prom.meterProvider);
  });

  it('reads token usage from estimatedTokenUsage, and ignores counts that are not numbers', () => {
    const handler = new TokenUsageHandler();
    handler.handleLLMEnd({ generations: [[{ text: 'x' }]], llmOutput: { estimatedTokenUsage: { promptTokens: 5, completionTokens: 'many' } } });
    handler.handleLLMEnd({ generations: [[{ text: 'y' }]] });
    expect([handler.reported, handler.usage]).toEqual([true, { inputTokens: 5, outputTokens: 0 }]);
    const viaModel = new TokenUsageHandler();
    viaModel.handleLLMEnd({ generations: [[{ text: 'z', message: new AIMessage({ content: 'z', usage_metadata: { input_tokens: -1, output_tokens: 2, total_tokens: 2 }, response_metadata: { model: 'm2' } }) } as never]] });
    expect(viaModel.usage).toEqual({ inputTokens: 0, outputTokens: 2, model: 'm2' });
  });

  it('names an agent failure without a code by its error name', async () => {
    const ctx = { task: { id: 't' } as never, dependencies: {}, signal: new AbortController().signal, attempt: 1, idempotencyKey: 'k', agentId: 'a', threadId: 'th' };
    await expect(invokeAgent(() => { throw new TypeError('bad'); }, 1, ctx)).rejects.toThrow('bad');
    await expect(invokeAgent(() => { throw 'plain'; }, 1, ctx)).rejects.toBe('plain');
  });

  it('logs a compensation that failed at error and one that worked at warn', () => {
    const lines: string[] = [];
    const log = logEvents(jsonLogger({ write: (l) => lines.push(l) }, { level: 'debug' }));
    log(createEventEnvelope('no.task.compensated', { taskId: 'a', success: false, error: 'undo failed' }, { correlationId: 'r1' }));
    log(createEventEnvelope('no.task.compensated', { taskId: 'b', success: true }, { correlationId: 'r1' }));
    log(createEventEnvelope('no.schedule.adjusted', { taskClass: 'c', previousStrategy: 'parallel', newStrategy: 'sequential-safe', reason: 'r' }, { correlationId: 'r1' }));
    expect(lines.map((l) => (JSON.parse(l) as { level: string; msg: string })).map((r) => [r.level, r.msg])).toEqual([
      ['error', 'no.task.compensated a'],
      ['warn', 'no.task.compensated b'],
      ['info', 'no.schedule.adjusted'],
    ]);
  });
});
