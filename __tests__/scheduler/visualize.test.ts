import { createIntelligenceScheduler, planToDot, planToMermaid } from '../../src/scheduler/index';

const plan = createIntelligenceScheduler().planExecution({
  tasks: [
    { id: 'fetch "raw"', estimatedDurationMs: 30 },
    { id: 'parse<x>', dependsOn: ['fetch "raw"'], estimatedDurationMs: 20 },
    { id: 'side', estimatedDurationMs: 5 },
  ],
});

describe('plan visualisation', () => {
  it('draws a Mermaid flowchart with windows, dependencies and the critical path drawn thick', () => {
    const text = planToMermaid(plan);
    expect(text.split('\n')).toEqual([
      'flowchart LR',
      '  n0["fetch #quot;raw#quot; · 0–30 ms"]',
      '  n1["parse#lt;x#gt; · 30–50 ms"]',
      '  n2["side · 0–5 ms"]',
      '  n0 ==> n1',
    ]);
  });

  it('colours tasks by status, declaring only the classes in use', () => {
    const text = planToMermaid(plan, { direction: 'TD', statuses: { 'fetch "raw"': 'completed', 'parse<x>': 'running', side: 'completed' } });
    expect(text).toContain('flowchart TD');
    expect(text).toContain('  classDef completed fill:#c8e6c9,stroke:#2e7d32,color:#000');
    expect(text).toContain('  class n0,n2 completed');
    expect(text).toContain('  class n1 running');
    expect(text).not.toContain('classDef failed');
  });

  it('draws the same plan in DOT, escaped and coloured', () => {
    const text = planToDot({ ...plan, criticalPath: [] }, { statuses: { side: 'failed' }, direction: 'TD' });
    expect(text).toContain('rankdir=TB;');
    expect(text).toContain('n0 [label="fetch \\"raw\\" · 0–30 ms"];');
    expect(text).toContain('n2 [label="side · 0–5 ms", fillcolor="#ffcdd2", color="#c62828"];');
    expect(text).toContain('  n0 -> n1;');
    expect(planToDot(plan)).toContain('n0 -> n1 [penwidth=3];');
    expect(planToMermaid({ tasks: plan.tasks, schedule: [], criticalPath: [] })).toContain('n2["side"]');
  });
});
