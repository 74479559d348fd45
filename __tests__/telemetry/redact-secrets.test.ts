import { Writable } from 'node:stream';
import { serveDashboard, type DashboardServer } from '../../src/observe/index';
import { createAuditTrail, holdsSecret, jsonLogger, redact, redactIfSecret, redactText, REDACTED } from '../../src/telemetry/index';
import { createToolLayer } from '../../src/tools/index';
import type { AgentDefinition } from '../../src/loop/index';
import { loopWith, request, thread } from '../loop/helpers';

const OPENAI = 'sk-proj-4f9Qx7LmN2pR8sT1vW3yZ5aB';
const SECRETS = {
  openai: OPENAI,
  anthropic: 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv',
  github: 'ghp_0123456789abcdefghijABCDEFGHIJ',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  bearer: 'Bearer abcdef0123456789xyz',
  url: 'postgres://app:hunter2secret@db.internal:5432/prod',
  pair: 'password=correct-horse-battery',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
};

describe('secret redaction', () => {
  it.each(Object.entries(SECRETS))('hides a %s secret inside a text, keeping the words around it', (_kind, secret) => {
    const out = redactText(`calling the API with ${secret} failed`);
    expect(out).toContain(REDACTED);
    expect(out.startsWith('calling the API with ')).toBe(true);
    expect(out.endsWith(' failed')).toBe(true);
    // What identifies the secret is gone; a kept prefix is at most the scheme or the key's name.
    const core = secret.replace(/^(Bearer |postgres:\/\/app:|password=)/, '').replace(/@db.*$/, '');
    expect(out).not.toContain(core);
  });

  it('keeps what is not a secret, and the URL around a password', () => {
    for (const text of ['task-42 done in 31 ms', 'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'uuid 7f69b9a0-0d8b-40e0-a56d-1bca803659f6', 'ask the desk-clerk', 'https://example.com/a?b=c']) {
      expect(redactText(text)).toBe(text);
    }
    expect(redactText(SECRETS.url)).toBe(`postgres://app:${REDACTED}@db.internal:5432/prod`);
  });

  it('returns the value itself when it holds no secret, a redacted copy otherwise', () => {
    const clean = { a: [1, 'two', { b: null }], when: new Date(0) };
    expect(redactIfSecret(clean)).toBe(clean);
    expect(holdsSecret({ nested: { apiKey: 'x' } })).toBe(true);
    expect(holdsSecret({ nested: { apiKey: '' } })).toBe(false);
    expect(redactIfSecret({ note: `key ${OPENAI}` })).toEqual({ note: `key ${REDACTED}` });
    expect(redact(new Error(`boom ${OPENAI}`))).toEqual({ name: 'Error', message: `boom ${REDACTED}` });
  });

  it('keeps secrets of a run out of its events, its log lines, the audit trail and the dashboard', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const audit = createAuditTrail();
    const tools = createToolLayer('primitive', { audit });
    const leaky: AgentDefinition = {
      id: 'leaky',
      capabilities: ['call'],
      run: async (input, ctx) => {
        await tools.invoke('hash', { text: `token=${OPENAI}`, algorithm: 'sha256' }, { caller: ctx.agentId });
        if (ctx.attempt === 1) throw Object.assign(new Error(`503 from the provider for ${OPENAI}`), { status: 503 });
        return { echoed: input, header: SECRETS.bearer };
      },
    };
    const { loop, events } = loopWith([leaky], { logger: jsonLogger(sink) });
    const dashboard: DashboardServer = await serveDashboard({ loops: { main: loop }, port: 0 });
    try {
      const out = await loop.invoke(request([{ id: 'call', capability: 'call', input: { apiKey: OPENAI, question: 'hi' } }]), thread());
      expect(out.status).toBe('completed');
      // The run's own state keeps what the agent returned: redaction is for what is watched.
      expect(out.results['call']).toMatchObject({ header: SECRETS.bearer });

      const runs = (await (await fetch(`${dashboard.url}/api/runs`)).json()) as { runs: Array<{ runId: string }> };
      const view = await (await fetch(`${dashboard.url}/api/run?id=${encodeURIComponent(runs.runs[0]!.runId)}`)).text();
      const watched = { events: JSON.stringify(events), log: lines.join(''), audit: JSON.stringify(audit.entries()), dashboard: view };
      for (const [where, text] of Object.entries(watched)) {
        expect({ where, leaked: text.includes(OPENAI) || text.includes('abcdef0123456789xyz') }).toEqual({ where, leaked: false });
      }
      expect(watched.events).toContain(REDACTED);
      expect(watched.log).toContain('503 from the provider for [REDACTED]');
      expect(watched.dashboard).toContain('503 from the provider for [REDACTED]');
    } finally {
      await dashboard.close();
    }
  });
});
