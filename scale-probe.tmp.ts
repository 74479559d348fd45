import { MemorySaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from './src/loop/builder.js';
const N = Number(process.argv[2] ?? 1000);
const W = 100;
const tasks = Array.from({ length: N }, (_, i) => {
  const layer = Math.floor(i / W);
  const deps = layer === 0 ? [] : [0, 1, 2].map((k) => `t${(layer - 1) * W + ((i + k * 7) % W)}`);
  return { id: `t${i}`, dependsOn: [...new Set(deps)], estimatedDurationMs: 1 };
});
const loop = createMasterAgentLoop({ agents: [{ id: 'a', capabilities: ['x'], maxConcurrency: 16, run: async () => 1 }], checkpointer: new MemorySaver() });
void (async () => {
(globalThis as { gc?: () => void }).gc?.();
const h0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const out = await loop.invoke({ request: { tasks, constraints: { maxConcurrentAgents: 16 } } as never }, { configurable: { thread_id: 'x' }, recursionLimit: 1000 });
const ms = performance.now() - t0;
console.log(JSON.stringify({ N, status: (out as { status: string }).status, ms: Math.round(ms), perTask: +(ms / N).toFixed(3), heapMb: Math.round((process.memoryUsage().heapUsed - h0) / 2 ** 20) }));
})();
