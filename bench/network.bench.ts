/**
 * Agent messaging: direct latency, broadcast throughput, signing cost and memory of queued messages.
 * Run with `node --import tsx --expose-gc bench/network.bench.ts`. Prints a table, then one JSON line.
 */
import { createAgentNetwork } from '../src/network/network.js';
import { createAgentRegistry } from '../src/network/registry.js';
import { createKeyring } from '../src/network/keyring.js';
import { signingBytes } from '../src/network/canonical.js';

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
};
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const payload = { task: 'analyse', items: [1, 2, 3], note: 'a small, typical coordination message' };

function network(ids: string[], mailboxCapacity = 1_000) {
  const registry = createAgentRegistry();
  for (const id of ids) registry.register({ id });
  return createAgentNetwork({ registry, mailboxCapacity });
}

/** Send call to handler entry, one message at a time, in process. */
async function directLatency(count: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const net = network(['a', 'b']);
  let arrived: (() => void) | undefined;
  net.subscribeToAgent('b', () => arrived?.());
  const samples: number[] = [];
  for (let i = 0; i < count + 500; i++) {
    const got = new Promise<void>((resolve) => (arrived = resolve));
    const start = performance.now();
    await net.sendMessage('a', 'b', { type: 'work', payload });
    await got;
    if (i >= 500) samples.push(performance.now() - start); // first 500 warm the JIT
  }
  net.close();
  return { p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99) };
}

async function broadcastThroughput(subscribers: number, count: number): Promise<{ messagesPerSecond: number; deliveriesPerSecond: number }> {
  const net = network(['pub']);
  let delivered = 0;
  for (let i = 0; i < subscribers; i++) net.subscribe('updates', () => void delivered++);
  const start = performance.now();
  for (let i = 0; i < count; i++) await net.broadcast('pub', { topic: 'updates', type: 'tick', payload });
  while (delivered < subscribers * count) await new Promise((resolve) => setImmediate(resolve));
  const seconds = (performance.now() - start) / 1000;
  net.close();
  return { messagesPerSecond: count / seconds, deliveriesPerSecond: delivered / seconds };
}

function signVerify(count: number): { signUs: number; verifyUs: number } {
  const keyring = createKeyring();
  keyring.identity('a');
  const net = network(['a', 'b']);
  const bytes = signingBytes(net.sign('a', { to: 'b' }, { type: 'work', payload }));
  let signature = '';
  let start = performance.now();
  for (let i = 0; i < count; i++) signature = keyring.sign('a', bytes);
  const signUs = ((performance.now() - start) * 1000) / count;
  start = performance.now();
  for (let i = 0; i < count; i++) keyring.verify('a', bytes, signature);
  const verifyUs = ((performance.now() - start) * 1000) / count;
  net.close();
  return { signUs, verifyUs };
}

async function queuedMemory(count: number): Promise<{ queued: number; heapMb: number; perMessageBytes: number }> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const net = network(['a', 'b'], count);
  for (let i = 0; i < count; i++) await net.sendMessage('a', 'b', { type: 'work', payload });
  gc();
  const used = process.memoryUsage().heapUsed - before;
  const { queued } = await net.getNetworkStatus();
  net.close();
  return { queued, heapMb: used / 2 ** 20, perMessageBytes: used / count };
}

async function main(): Promise<void> {
  const latency = await directLatency(5_000);
  const broadcast = await broadcastThroughput(100, 2_000);
  const crypto = signVerify(5_000);
  const memory = await queuedMemory(10_000);
  const rows: Array<[string, string]> = [
    ['direct latency p50 (ms)', latency.p50Ms.toFixed(3)],
    ['direct latency p99 (ms)', latency.p99Ms.toFixed(3)],
    ['broadcast to 100 subscribers (msgs/s)', broadcast.messagesPerSecond.toFixed(0)],
    ['broadcast deliveries (deliveries/s)', broadcast.deliveriesPerSecond.toFixed(0)],
    ['sign per message (µs)', crypto.signUs.toFixed(1)],
    ['verify per message (µs)', crypto.verifyUs.toFixed(1)],
    [`memory, ${memory.queued} queued (MB)${(globalThis as { gc?: unknown }).gc ? '' : ' [no --expose-gc]'}`, memory.heapMb.toFixed(1)],
    ['memory per queued message (bytes)', memory.perMessageBytes.toFixed(0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
  console.log(JSON.stringify({ bench: 'network', latency, broadcast, crypto, memory }));
}

void main();
