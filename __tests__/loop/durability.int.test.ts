/**
 * Crash and resume on SQLite: a child process runs the loop and is SIGKILLed at a journal line,
 * a second process resumes the same thread. Kill points are journal line counts (the child
 * freezes on the line until the kill lands), so every scenario is reproducible.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashAndResume, keyOf, readJournal, runChild, type CrashStory } from './fixtures/crash-harness';
import { itKeepsTheDurabilityPromises } from './fixtures/crash-expectations';
import {
  expectedResults,
  orderedDurations,
  randomDurations,
  seeded,
  taskIds,
  type JournalLine,
  type KillPoint,
  type RunConfig,
  type RunReport,
} from './fixtures/scenario';

const SEED = 20_240_611;
const KILL_POINTS = 8;
/** 12 tasks, each writing start, end and completed-event. */
const DAG_JOURNAL_LINES = 3 * taskIds('dag').length;
const SCENARIO_TIMEOUT_MS = 30_000;

/** One kill point in each of KILL_POINTS equal slices of the journal, from the first line to the last. */
function killPoints(seed: number): number[] {
  const next = seeded(seed);
  return Array.from({ length: KILL_POINTS }, (_, slice) => {
    const low = 1 + Math.floor((slice * DAG_JOURNAL_LINES) / KILL_POINTS);
    const high = Math.floor(((slice + 1) * DAG_JOURNAL_LINES) / KILL_POINTS);
    return low + Math.floor(next() * (high - low + 1));
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'no-durability-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function base(name: string, plan: RunConfig['plan']): Omit<RunConfig, 'mode' | 'durations' | 'killAt'> {
  const file = join(dir, name);
  return { plan, checkpointer: { kind: 'sqlite', path: `${file}.sqlite` }, threadId: `thread-${name}`, journal: `${file}.jsonl` };
}

const stories: CrashStory[] = [];

const KILLS = killPoints(SEED).map((lines, i) => ({ lines, i }));

describe.each(KILLS)('a DAG run SIGKILLed after journal line $lines, resumed by another process', ({ lines, i }) => {
  let story: CrashStory | undefined;
  beforeAll(async () => {
    const durations = { first: randomDurations('dag', SEED + i), second: randomDurations('dag', SEED + 100 + i) };
    story = await crashAndResume(base(`kill-${i}`, 'dag'), durations, { afterLines: lines });
    stories.push(story);
  }, SCENARIO_TIMEOUT_MS);

  itKeepsTheDurabilityPromises(() => story!, 'dag');

  it('was killed exactly at its kill point', () => {
    expect(story!.firstLines).toHaveLength(lines);
  });
});

describe('the kill points together', () => {
  it('include a crash with completions already announced and tasks still in flight', () => {
    expect(stories).toHaveLength(KILL_POINTS);
    expect(stories.some((s) => s.announcedBeforeCrash.length > 0 && s.inFlightAtCrash.length > 0)).toBe(true);
  });
});

describe('a resumed run whose tasks finish in the opposite order', () => {
  const killAt: KillPoint = { afterLine: { ev: 'completed-event', taskId: 'w2' } };
  let story: CrashStory | undefined;
  beforeAll(async () => {
    const durations = { first: orderedDurations('wide', 'ascending', 40), second: orderedDurations('wide', 'descending', 40) };
    story = await crashAndResume(base('reversed', 'wide'), durations, killAt);
  }, SCENARIO_TIMEOUT_MS);

  itKeepsTheDurabilityPromises(() => story!, 'wide');

  it('finished w1 and w2 first in the first run, with w3..w6 in flight at the crash', () => {
    expect(story!.firstLines.filter((l) => l.ev === 'end').map((l) => l.taskId)).toEqual(['w1', 'w2']);
    expect([...story!.inFlightAtCrash].sort()).toEqual(['w3', 'w4', 'w5', 'w6']);
  });

  it('finishes the in-flight tasks in reverse order after the resume and still keys each result by its task', () => {
    expect(story!.secondEndOrder).toEqual(['w6', 'w5', 'w4', 'w3', 'sink']);
    expect(story!.report.results).toMatchObject({ w3: 'w3()', w4: 'w4()', w5: 'w5()', w6: 'w6()' });
  });
});

describe('a loop added to a user graph with addMasterLoop, SIGKILLed mid-run and resumed by another process', () => {
  const killAt: KillPoint = { afterLine: { ev: 'completed-event', taskId: 'w2' } };
  let story: CrashStory | undefined;
  beforeAll(async () => {
    const durations = { first: orderedDurations('wide', 'ascending', 40), second: orderedDurations('wide', 'descending', 40) };
    story = await crashAndResume({ ...base('embedded', 'wide'), embedded: true }, durations, killAt);
  }, SCENARIO_TIMEOUT_MS);

  itKeepsTheDurabilityPromises(() => story!, 'wide');

  it('resumed inside the graph: w1 and w2 did not run again, the rest finished in the second process', () => {
    expect(story!.firstLines.filter((l) => l.ev === 'end').map((l) => l.taskId)).toEqual(['w1', 'w2']);
    expect(story!.secondEndOrder).toEqual(['w6', 'w5', 'w4', 'w3', 'sink']);
  });
});

describe('a run of compiled graph agents SIGKILLed between two inner steps, resumed by another process', () => {
  const killAt: KillPoint = { afterLine: { ev: 'step', taskId: 'g' } };
  let story: CrashStory | undefined;
  beforeAll(async () => {
    const durations = { first: randomDurations('dag', SEED + 7), second: randomDurations('dag', SEED + 8) };
    story = await crashAndResume({ ...base('graph-agents', 'dag'), graphAgents: true }, durations, killAt);
  }, SCENARIO_TIMEOUT_MS);

  itKeepsTheDurabilityPromises(() => story!, 'dag');

  it('was killed with g past its first inner step and other tasks already announced', () => {
    const first = story!.firstLines;
    expect(first.some((l) => l.ev === 'start' && l.taskId === 'g')).toBe(true);
    expect(first.some((l) => l.ev === 'end' && l.taskId === 'g')).toBe(false);
    expect(story!.announcedBeforeCrash.length).toBeGreaterThan(0);
  });

  it('runs g again from its first inner step, not from the checkpoint the killed attempt left', () => {
    const second = story!.lines.filter((l) => l.pid === story!.secondPid && l.taskId === 'g').map((l) => l.ev);
    expect(second).toEqual(['start', 'step', 'end', 'completed-event']);
  });
});

describe('a run that crashes again while it resumes', () => {
  const config = (): Omit<RunConfig, 'mode' | 'durations' | 'killAt'> => base('twice', 'dag');
  let lines: JournalLine[] = [];
  const pids: number[] = [];
  let report: RunReport | undefined;
  beforeAll(async () => {
    const steps: Array<Pick<RunConfig, 'mode' | 'killAt'>> = [
      { mode: 'start', killAt: { afterLines: 10 } },
      { mode: 'resume', killAt: { afterLine: { ev: 'start', taskId: 'g' } } },
      { mode: 'resume' },
    ];
    for (const [i, step] of steps.entries()) {
      const run = await runChild({ ...config(), ...step, durations: randomDurations('dag', SEED - 1 - i) });
      pids.push(run.pid);
      report = run.report;
    }
    lines = readJournal(config().journal);
  }, SCENARIO_TIMEOUT_MS);

  const tasks = (pid: number, ev: JournalLine['ev']): string[] => lines.filter((l) => l.pid === pid && l.ev === ev).map((l) => l.taskId);

  it('finishes on the third process with every task’s result', () => {
    expect(report?.status).toBe('completed');
    expect(report?.results).toEqual(expectedResults('dag'));
  });

  it('crashed the resuming process after it had run and announced tasks of its own, with others in flight', () => {
    const second = lines.filter((l) => l.pid === pids[1]);
    expect(second.some((l) => l.ev === 'completed-event' && !l.replayed)).toBe(true);
    expect(tasks(pids[1]!, 'start').some((t) => !tasks(pids[1]!, 'end').includes(t))).toBe(true);
  });

  it('never runs again a task announced by any earlier process', () => {
    pids.forEach((pid, i) => {
      const announced = tasks(pid, 'completed-event');
      for (const later of pids.slice(i + 1)) expect(tasks(later, 'start').filter((t) => announced.includes(t))).toEqual([]);
    });
  });

  it('runs the tasks in flight at each crash again in the next process, with the same idempotency key', () => {
    for (const [crashed, next] of [[pids[0]!, pids[1]!], [pids[1]!, pids[2]!]] as const) {
      const ended = tasks(crashed, 'end');
      for (const taskId of tasks(crashed, 'start').filter((t) => !ended.includes(t))) {
        expect({ taskId, key: keyOf(lines, next, taskId) }).toEqual({ taskId, key: keyOf(lines, crashed, taskId) });
      }
    }
  });
});
