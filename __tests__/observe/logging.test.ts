import { jsonLogger, type Logger } from '../../src/observe/index';
import type { AgentDefinition } from '../../src/loop/index';
import { installTestTelemetry, type TestTelemetry } from '../helpers/otel';
import { loopWith, request, thread } from '../loop/helpers';

const sink = () => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

describe('structured logs', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = installTestTelemetry();
  });
  afterEach(() => otel.shutdown());

  it('writes one JSON line per event with the run id and the trace id of the run, results left out', async () => {
    const out = sink();
    let failures = 1;
    const agent: AgentDefinition = {
      id: 'w1', capabilities: ['work'],
      run: async () => { if (failures-- > 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' }); return { apiKey: 'sk-live-123', text: 'PRIVATE RESULT' }; },
    };
    const { loop } = loopWith([agent], { logger: jsonLogger(out, { level: 'debug', base: { service: 'orders' } }) });
    const run = await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(run.status).toBe('completed');
    expect(out.lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const records = out.records();
    expect(records.every((r) => r['runId'] === run.runId && r['service'] === 'orders' && typeof r['time'] === 'number')).toBe(true);
    const coordination = otel.spans().find((s) => s.name === 'no.coordination.execute')!;
    const failed = records.find((r) => r['event'] === 'orchestration.task.failed')!;
    expect(failed).toMatchObject({ level: 'warn', msg: 'task a failed: reset', taskId: 'a', traceId: coordination.spanContext().traceId });
    expect(records.find((r) => r['event'] === 'no.recovery.action.taken')).toMatchObject({ level: 'warn', action: 'retry-with-backoff', data_level: 'agent' });
    expect(records.find((r) => r['event'] === 'orchestration.task.started')).toMatchObject({ level: 'debug', agentId: 'w1' });
    expect(records.at(-1)).toMatchObject({ level: 'info', event: 'no.run.completed', msg: 'run completed', status: 'completed' });
    expect(out.lines.join('')).not.toContain('PRIVATE RESULT');
    expect(out.lines.join('')).not.toContain('sk-live-123');
  });

  it('logs at info by default and drops debug lines; a failed run ends at error', async () => {
    const out = sink();
    const broken: AgentDefinition = { id: 'b', capabilities: ['work'], run: async () => { throw new Error('bad'); } };
    const { loop } = loopWith([broken], { retries: 0, logger: jsonLogger(out) });
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    const levels = out.records().map((r) => r['level']);
    expect(levels).not.toContain('debug');
    expect(out.records().at(-1)).toMatchObject({ level: 'error', event: 'no.run.completed', status: 'failed' });
  });

  it('takes any pino-shaped logger, and is silent without one', async () => {
    const calls: Array<[string, Record<string, unknown>, string]> = [];
    const pinoLike: Logger = {
      debug: (o, m) => void calls.push(['debug', o, m]),
      info: (o, m) => void calls.push(['info', o, m]),
      warn: (o, m) => void calls.push(['warn', o, m]),
      error: (o, m) => void calls.push(['error', o, m]),
    };
    const { loop } = loopWith([{ id: 'w', capabilities: ['work'], run: async () => 1 }], { logger: pinoLike });
    await loop.invoke(request([{ id: 'a', capability: 'work' }]), thread());
    expect(calls.find(([, o]) => o['event'] === 'no.run.completed')).toEqual(['info', expect.objectContaining({ status: 'completed' }), 'run completed']);

    const writes = jest.spyOn(process.stdout, 'write');
    const errors = jest.spyOn(process.stderr, 'write');
    try {
      const silent = loopWith([{ id: 'w', capabilities: ['work'], run: async () => 1 }]).loop;
      await silent.invoke(request([{ id: 'a', capability: 'work' }]), thread());
      expect([writes.mock.calls.length, errors.mock.calls.length]).toEqual([0, 0]);
    } finally {
      writes.mockRestore();
      errors.mockRestore();
    }
  });

  it('refuses a logger without the four methods, saying what to pass', () => {
    expect(() => loopWith([{ id: 'w', capabilities: ['work'], run: async () => 1 }], { logger: { info: () => undefined } as never }))
      .toThrow('logger.debug must be a function (obj, msg): pass a pino logger or jsonLogger(process.stdout)');
  });

  it('jsonLogger keeps a line when a field cannot be serialized, and refuses an unknown level', () => {
    const out = sink();
    const log = jsonLogger(out, { now: () => 7 });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    log.info({ big: 10n }, 'big');
    log.warn({ cyclic }, 'cyclic');
    expect(out.records()).toEqual([
      { level: 'info', time: 7, msg: 'big', big: '10' },
      { level: 'warn', time: 7, msg: 'cyclic', logError: expect.stringContaining('fields not serializable') },
    ]);
    expect(() => jsonLogger(out, { level: 'trace' as never })).toThrow('jsonLogger level must be one of debug, info, warn, error, got trace');
  });
});
