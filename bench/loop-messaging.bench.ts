/**
 * What agent messaging costs inside the master loop: signed messages, recorded with each task's
 * stored outcome and written to the `mailboxes` and `topics` graph channels.
 *
 * Compared, for N independent tasks (N = 100 and 500), each with a small payload (73 bytes of JSON):
 *   loop+messages  createMasterAgentLoop with a network (shared registry and keyring with a secret).
 *                  A `producer` agent (maxConcurrency N) runs the N tasks; each sends one direct
 *                  message with the payload to `sink`, an agent of the pool with no tasks, so the
 *                  message stays undelivered and ends in the `mailboxes` channel; every 10th task also
 *                  broadcasts on a topic with one live subscriber. Tasks return null: the payload
 *                  travels in the message. Checked after each invoke: `mailboxes.sink` holds exactly
 *                  N messages (a fresh thread per run) and the subscriber got the run's broadcasts.
 *   loop           the same loop and agents without a network: each task returns the payload instead,
 *                  so the same data goes through the checkpointer and only the messaging is different.
 *   plain          plain LangGraph on the same work: a `fanout` node whose conditional edge returns
 *                  Send('work', { i }) x N, and a `work` node that returns a message-like object
 *                  ({ id, from, to, type, payload, sentAt }) into an append-reducer channel. No
 *                  signing, no planning, no events: the floor for "N nodes each leave a message".
 * Why it is fair: same process, same kind of checkpointer (a fresh instance per side), LangGraph's
 * default durability everywhere, a fresh thread_id per run, every graph compiled once before timing,
 * warm-up runs first, and the three sides take turns (the order rotates run by run) so drift (GC, JIT,
 * a growing checkpoint store) hits all alike. The network's sink mailbox is emptied between runs,
 * outside the timed span, so no run waits for room a previous run took. Reported: median wall time
 * per `invoke`, loop+messages/loop and loop+messages/plain (ratio of medians and median of the
 * run-by-run ratios), µs of messaging per message ((loop+messages − loop) / N), and the bytes of the
 * final checkpoint's `mailboxes` value (JSON.stringify) per message.
 * Run with `node --import tsx --expose-gc bench/loop-messaging.bench.ts` (about a minute).
 * Prints tables, then one JSON line.
 */
import { Annotation, END, Send, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { createMasterAgentLoop } from '../src/loop/builder.js';
import type { AgentDefinition } from '../src/loop/agents.js';
import { createAgentNetwork } from '../src/network/network.js';
import { createAgentRegistry } from '../src/network/registry.js';
import { createKeyring } from '../src/network/keyring.js';
import type { AgentNetwork } from '../src/network/types.js';
import { collect, countMaxListenerWarnings, createSaver, median, printTable, round, sleep, timeInvoke, type SaverKind } from './lib/loop-bench.js';

const warnings = countMaxListenerWarnings();

const TOPIC = 'progress';
const BROADCAST_EVERY = 10;
const payloadOf = (i: number) => ({ task: i, items: [1, 2, 3], note: 'a small, typical coordination message' });
const broadcastsOf = (n: number): number => Math.ceil(n / BROADCAST_EVERY);

function buildMessagingLoop(checkpointer: BaseCheckpointSaver, network: AgentNetwork, n: number) {
  const producer: AgentDefinition = {
    id: 'producer',
    capabilities: ['produce'],
    maxConcurrency: n,
    run: async (input, ctx) => {
      const i = input as number;
      const messenger = ctx.network!;
      await messenger.send('sink', { type: 'work.done', payload: payloadOf(i) });
      if (i % BROADCAST_EVERY === 0) await messenger.broadcast({ topic: TOPIC, type: 'progress', payload: payloadOf(i) });
      return null;
    },
  };
  const sink: AgentDefinition = { id: 'sink', capabilities: ['sink'], run: async () => null };
  return createMasterAgentLoop({ agents: [producer, sink], checkpointer, network });
}

function buildLoop(checkpointer: BaseCheckpointSaver, n: number) {
  return createMasterAgentLoop({
    agents: [
      { id: 'producer', capabilities: ['produce'], maxConcurrency: n, run: async (input) => payloadOf(input as number) },
      { id: 'sink', capabilities: ['sink'], run: async () => null },
    ],
    checkpointer,
  });
}

interface PlainMessage { id: string; from: string; to: string; type: string; payload: ReturnType<typeof payloadOf>; sentAt: number }

const PlainState = Annotation.Root({
  n: Annotation<number>(),
  // Append, not object spread (see loop-overhead.bench.ts): a spread reducer is O(N^2) over the fan-in.
  messages: Annotation<PlainMessage[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function buildPlain(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(PlainState)
    .addNode('fanout', () => ({}))
    .addNode(
      'work',
      async (arg: { i: number }) => ({
        messages: [{ id: `m${arg.i}`, from: 'producer', to: 'sink', type: 'work.done', payload: payloadOf(arg.i), sentAt: Date.now() }],
      }),
      { input: Annotation.Root({ i: Annotation<number>() }) },
    )
    .addEdge('__start__', 'fanout')
    .addConditionalEdges('fanout', (s: typeof PlainState.State) => Array.from({ length: s.n }, (_, i) => new Send('work', { i })))
    .addEdge('work', END)
    .compile({ checkpointer });
}

const tasksOf = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, capability: 'produce', input: i }));

let threads = 0;

interface MessagingSide {
  loop: ReturnType<typeof buildMessagingLoop>;
  network: AgentNetwork;
  /** Broadcasts the live subscriber has handled so far. */
  heard: () => number;
  lastThread: string;
}

async function timeMessaging(side: MessagingSide, n: number): Promise<number> {
  const thread = `msg-${threads++}`;
  const heardBefore = side.heard();
  const at = performance.now();
  const out = await side.loop.invoke({ request: { tasks: tasksOf(n), strategy: 'parallel' } }, { configurable: { thread_id: thread } });
  const ms = performance.now() - at;
  if (out.status !== 'completed' || Object.keys(out.results).length !== n) throw new Error(`loop+messages run did not complete: ${out.status}`);
  const inSink = out.mailboxes['sink']?.length ?? 0;
  if (inSink !== n) throw new Error(`mailboxes.sink holds ${inSink} messages after the run, not ${n}`);
  // Topic delivery is live but asynchronous: give the subscriber's queue a moment to drain.
  const want = heardBefore + broadcastsOf(n);
  for (let waited = 0; side.heard() < want && waited < 2_000; waited += 1) await sleep(1);
  if (side.heard() !== want) throw new Error(`the subscriber heard ${side.heard() - heardBefore} broadcasts, not ${broadcastsOf(n)}`);
  // Empty the network's sink mailbox (the checkpoint keeps its copy), so the next run finds room.
  const drained = await side.network.receive('sink');
  if (drained.length !== n) throw new Error(`drained ${drained.length} messages from the sink, not ${n}`);
  side.lastThread = thread;
  return ms;
}

function timeLoop(loop: ReturnType<typeof buildLoop>, n: number): Promise<number> {
  return timeInvoke(loop, { request: { tasks: tasksOf(n), strategy: 'parallel' } }, 'loop', (out) => {
    if (out.status !== 'completed' || Object.keys(out.results).length !== n) throw new Error(`loop run did not complete: ${out.status}`);
  });
}

function timePlain(plain: ReturnType<typeof buildPlain>, n: number): Promise<number> {
  return timeInvoke(plain, { n }, 'plain', (out) => {
    if (out.messages.length !== n) throw new Error(`plain run wrote ${out.messages.length} messages, not ${n}`);
  });
}

interface Row {
  saver: SaverKind; tasks: number; runs: number; messages: number; broadcasts: number;
  msgMs: number; loopMs: number; plainMs: number;
  /** median(loop+messages) / median(loop). */
  msgOverLoop: number;
  /** Median of the run-by-run ratios (each loop+messages run against the loop run beside it). */
  pairedMsgOverLoop: number;
  msgOverPlain: number;
  pairedMsgOverPlain: number;
  /** (median(loop+messages) - median(loop)) / N, in µs. */
  messagingUsPerMessage: number;
  /** JSON.stringify length of the final checkpoint's `mailboxes` value, per message in it. */
  mailboxBytesPerMessage: number;
}

async function measure(kind: SaverKind, n: number, runs: number, warmMs: number): Promise<Row> {
  const a = createSaver(kind);
  const b = createSaver(kind);
  const c = createSaver(kind);
  const network = createAgentNetwork({ registry: createAgentRegistry(), keyring: createKeyring({ secret: 'loop-messaging-bench-secret-0123456789' }) });
  let heard = 0;
  const unsubscribe = network.subscribe(TOPIC, () => void heard++);
  try {
    const side: MessagingSide = { loop: buildMessagingLoop(a.saver, network, n), network, heard: () => heard, lastThread: '' };
    const loop = buildLoop(b.saver, n);
    const plain = buildPlain(c.saver);
    const sides = [() => timeMessaging(side, n), () => timeLoop(loop, n), () => timePlain(plain, n)] as const;
    const warmUntil = performance.now() + warmMs;
    do {
      for (const run of sides) await run();
    } while (performance.now() < warmUntil);
    collect();
    const msgMs: number[] = [];
    const loopMs: number[] = [];
    const plainMs: number[] = [];
    const overLoop: number[] = [];
    const overPlain: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Rotate which side goes first, so none always runs right after another's garbage.
      const ms: number[] = [0, 0, 0];
      for (let k = 0; k < 3; k++) {
        const s = (i + k) % 3;
        ms[s] = await sides[s]!();
      }
      const [m, l, p] = ms as [number, number, number];
      msgMs.push(m);
      loopMs.push(l);
      plainMs.push(p);
      overLoop.push(m / l);
      overPlain.push(m / p);
    }
    // The stored value of the channel in the last loop+messages run's final checkpoint.
    const tuple = await a.saver.getTuple({ configurable: { thread_id: side.lastThread } });
    const stored = tuple?.checkpoint.channel_values['mailboxes'] as { mailboxes: Record<string, unknown[]> } | undefined;
    const storedCount = Object.values(stored?.mailboxes ?? {}).reduce((sum, box) => sum + box.length, 0);
    if (storedCount !== n) throw new Error(`the final checkpoint's mailboxes hold ${storedCount} messages, not ${n}`);
    const mailboxBytes = Buffer.byteLength(JSON.stringify(stored));
    const mm = median(msgMs);
    const lm = median(loopMs);
    const pm = median(plainMs);
    return {
      saver: kind, tasks: n, runs, messages: n, broadcasts: broadcastsOf(n),
      msgMs: round(mm), loopMs: round(lm), plainMs: round(pm),
      msgOverLoop: round(mm / lm, 3), pairedMsgOverLoop: round(median(overLoop), 3),
      msgOverPlain: round(mm / pm, 3), pairedMsgOverPlain: round(median(overPlain), 3),
      messagingUsPerMessage: round(((mm - lm) * 1000) / n, 1),
      mailboxBytesPerMessage: round(mailboxBytes / n, 1),
    };
  } finally {
    unsubscribe();
    network.close();
    a.dispose();
    b.dispose();
    c.dispose();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const kind of ['memory', 'sqlite'] as const) {
    rows.push(await measure(kind, 100, 35, 5_000));
    rows.push(await measure(kind, 500, 11, 1_500));
  }
  printTable(
    'N tasks each sending one signed message (+ a broadcast every 10th): median wall ms per invoke',
    ['saver', 'tasks', 'runs', 'loop+msg ms', 'loop ms', 'plain ms', 'msg/loop', 'paired', 'msg/plain', 'paired'],
    rows.map((r) => [r.saver, r.tasks, r.runs, r.msgMs.toFixed(1), r.loopMs.toFixed(1), r.plainMs.toFixed(1),
      r.msgOverLoop.toFixed(3), r.pairedMsgOverLoop.toFixed(3), r.msgOverPlain.toFixed(3), r.pairedMsgOverPlain.toFixed(3)]),
  );
  printTable(
    'messaging cost: (loop+messages - loop) / N, and the final checkpoint\'s `mailboxes` value',
    ['saver', 'tasks', 'broadcasts', 'us/message', 'mailboxes bytes/message'],
    rows.map((r) => [r.saver, r.tasks, r.broadcasts, r.messagingUsPerMessage.toFixed(1), r.mailboxBytesPerMessage.toFixed(1)]),
  );
  console.log(`MaxListenersExceededWarning seen: ${warnings()}`);
  console.log(JSON.stringify({ bench: 'loop-messaging', broadcastEvery: BROADCAST_EVERY, payloadBytes: JSON.stringify(payloadOf(0)).length, rows, maxListenerWarnings: warnings() }));
}

void main();
