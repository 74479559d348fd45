/**
 * Plans a small data pipeline with the intelligence scheduler and prints the schedule:
 * `npx tsx examples/plan-a-dag.ts`.
 */
import { createIntelligenceScheduler, isNoError } from '../src/index.js';

const scheduler = createIntelligenceScheduler();
const plan = scheduler.planExecution({
  tasks: [
    { id: 'fetch-orders', estimatedDurationMs: 40, resources: { cpu: 2, memoryMb: 512 }, capability: 'http' },
    { id: 'fetch-users', estimatedDurationMs: 30, resources: { cpu: 2, memoryMb: 256 }, capability: 'http' },
    { id: 'join', dependsOn: ['fetch-orders', 'fetch-users'], estimatedDurationMs: 25, resources: { cpu: 4, memoryMb: 2048 } },
    { id: 'train', dependsOn: ['join'], estimatedDurationMs: 120, resources: { cpu: 6, memoryMb: 3072 }, priority: 9 },
    { id: 'report', dependsOn: ['join'], estimatedDurationMs: 15, resources: { cpu: 1 } },
    { id: 'email', dependsOn: ['train', 'report'], estimatedDurationMs: 5, sideEffects: 'external' },
  ],
  resources: { cpu: 8, memoryMb: 4096 },
  constraints: { maxConcurrentAgents: 3 },
});

console.log(`strategy ${plan.strategy}: ${plan.strategyReason}`);
console.log(`critical path ${plan.criticalPath.join(' -> ')} (${plan.criticalPathMs} ms)`);
console.log(`makespan ${plan.makespanMs} ms, lower bound ${plan.lowerBoundMs} ms`);
for (const s of plan.schedule) console.log(`  ${s.taskId.padEnd(14)} ${String(s.startMs).padStart(4)} -> ${s.endMs} ms`);

try {
  scheduler.planExecution({ tasks: [{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }] });
} catch (error) {
  if (isNoError(error, 'CYCLE_DETECTED')) console.log(`refused: ${error.message}`);
}
