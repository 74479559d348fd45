import fc from 'fast-check';
import { AUDIT_GENESIS_HASH, createAuditTrail, redact, REDACTED, verifyAuditEntries } from '../../src/telemetry/index';

describe('audit trail', () => {
  it('chains every entry to the previous one and verifies', () => {
    const audit = createAuditTrail({ now: () => new Date('2026-01-01T00:00:00Z') });
    const a = audit.append({ actor: 'a1', action: 'tool.invoke', outcome: 'allowed' });
    const b = audit.append({ actor: 'a2', action: 'tool.invoke', outcome: 'denied', details: { tool: 'exec' } });
    expect(a.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect(b.seq).toBe(2);
    expect(audit.verify()).toEqual({ ok: true, entries: 2 });
  });

  it('redacts secrets before they are stored or hashed', () => {
    const audit = createAuditTrail();
    const entry = audit.append({
      actor: 'a',
      action: 'x',
      outcome: 'success',
      details: { apiKey: 'sk-123', nested: { password: 'p', keep: 'v' }, list: [{ token: 't' }] },
    });
    expect(entry.details).toEqual({ apiKey: REDACTED, nested: { password: REDACTED, keep: 'v' }, list: [{ token: REDACTED }] });
    expect(JSON.stringify(audit.entries())).not.toContain('sk-123');
  });

  it('detects an altered, removed or reordered entry and names where the chain breaks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.nat(), fc.constantFrom('alter', 'remove', 'swap'), (n, pick, how) => {
        const audit = createAuditTrail();
        for (let i = 0; i < n; i++) audit.append({ actor: `a${i}`, action: 'act', outcome: 'success', details: { i } });
        const entries = [...audit.entries()];
        const victim = Math.max(1, pick % n);
        if (how === 'alter') entries[victim] = { ...entries[victim]!, actor: 'mallory' };
        else if (how === 'remove') entries.splice(victim, 1);
        else [entries[victim - 1], entries[victim]] = [entries[victim]!, entries[victim - 1]!];
        const result = verifyAuditEntries(entries, { head: audit.head() });
        expect(result.ok).toBe(false);
        expect(audit.verify()).toEqual({ ok: true, entries: n }); // the trail's own copy is untouched
      }),
      { numRuns: 60 },
    );
  });

  it('reports the sequence number of an altered entry', () => {
    const audit = createAuditTrail();
    for (let i = 0; i < 4; i++) audit.append({ actor: 'a', action: 'x', outcome: 'success' });
    const entries = [...audit.entries()];
    entries[2] = { ...entries[2]!, outcome: 'failure' };
    expect(verifyAuditEntries(entries)).toEqual({ ok: false, brokenAt: 3, reason: 'content does not match its hash' });
    entries[2] = { ...audit.entries()[2]!, prevHash: 'f'.repeat(64) };
    expect(verifyAuditEntries(entries)).toEqual({ ok: false, brokenAt: 3, reason: 'prevHash does not match the previous entry' });
  });

  it('detects entries cut off the end only against a trusted head', () => {
    const audit = createAuditTrail();
    for (let i = 0; i < 3; i++) audit.append({ actor: 'a', action: 'x', outcome: 'success' });
    const truncated = audit.entries().slice(0, 2);
    expect(verifyAuditEntries(truncated).ok).toBe(true);
    expect(verifyAuditEntries(truncated, { head: audit.head() })).toEqual({
      ok: false,
      brokenAt: 3,
      reason: 'the chain does not end at the trusted head',
    });
    expect(verifyAuditEntries([], { head: audit.head() })).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('keeps at most maxEntries and still verifies from the first kept entry', () => {
    const audit = createAuditTrail({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) audit.append({ actor: 'a', action: 'x', outcome: 'success' });
    expect(audit.entries().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(audit.verify()).toEqual({ ok: true, entries: 3 });
  });

  it('notifies listeners until they unsubscribe', () => {
    const audit = createAuditTrail();
    const seen: number[] = [];
    const off = audit.onAppend((e) => seen.push(e.seq));
    audit.append({ actor: 'a', action: 'x', outcome: 'success' });
    off();
    audit.append({ actor: 'a', action: 'x', outcome: 'success' });
    expect(seen).toEqual([1]);
  });
});

describe('redact', () => {
  it('makes any value JSON-safe: cycles, errors, dates, undefined, functions', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic['self'] = cyclic;
    const out = redact({ cyclic, err: new TypeError('bad'), when: new Date(0), nothing: undefined, fn: () => 1, big: 10n });
    expect(out).toEqual({
      cyclic: { name: 'c', self: '[Circular]' },
      err: { name: 'TypeError', message: 'bad' },
      when: '1970-01-01T00:00:00.000Z',
      nothing: null,
      fn: expect.stringContaining('=>'),
      big: '10',
    });
  });
});

