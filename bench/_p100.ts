import { MemorySaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
const loop = createMasterAgentLoop({ agents: [{ id: 'noop', capabilities: ['noop'], maxConcurrency: 100, run: async () => null }], checkpointer: new MemorySaver() });
const tasks = Array.from({ length: 100 }, (_, i) => ({ id: `t${i}` }));
async function main() {
let n = 0;
for (let i = 0; i < 20; i++) await loop.invoke({ request: { tasks } }, { configurable: { thread_id: `w${n++}` } });
const t0 = performance.now();
for (let i = 0; i < 100; i++) await loop.invoke({ request: { tasks } }, { configurable: { thread_id: `w${n++}` } });
console.log('ms/invoke', (performance.now() - t0) / 100);
}
void main();