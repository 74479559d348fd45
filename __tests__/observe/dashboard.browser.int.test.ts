/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, over the demo workload
 * served in this process. axe-core checks WCAG 2.2 AA on every view; the rest drives the page the way a
 * person does (live updates, retries, time travel, keyboard only, reduced motion) and waits on the DOM,
 * never on the clock.
 */
import { existsSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { createDashboardDemo, type DashboardDemo } from '../../src/observe/dashboard/demo';
import { serveDashboard, type DashboardServer } from '../../src/observe/dashboard/serve';

jest.setTimeout(60_000);

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
/** Long enough that a run is still going when the page opens it (about 2 s a run), short for the suite. */
const TASK_MS = 400;
const VIEWS = ['agents', 'tools', 'network', 'alerts'] as const;
/** What each view shows once its data has been drawn. */
const DRAWN: Record<(typeof VIEWS)[number], string> = {
  agents: '#agents-table tbody tr',
  tools: '#tools-table tbody tr',
  network: '#network-figures dt',
  alerts: '#alerts-firing li',
};

// The functions below run inside the page; tsconfig has no DOM lib, so name the little they use.
interface PageElement {
  id: string;
  tagName: string;
  className: string;
  textContent: string | null;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number };
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
declare const document: { activeElement: PageElement | null; querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): ArrayLike<PageElement> };
declare const getComputedStyle: (element: PageElement) => { animationName: string; outlineStyle: string; outlineWidth: string };
declare const location: { hash: string };
declare const window: Record<string, unknown>;

let browser: Browser;
let server: DashboardServer;
let demo: DashboardDemo;
const contexts: BrowserContext[] = [];
/** Console errors (a CSP refusal logs one) and uncaught errors of every page a test opened. */
let problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: these tests drive Debian's chromium (npx playwright install cannot download here). Install it with: apt-get install -y chromium`);
  }
  demo = createDashboardDemo({ taskMs: TASK_MS });
  server = await serveDashboard({ loops: { demo: demo.loop }, toolLayers: [demo.tools], port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  const seen = problems;
  problems = [];
  if (seen.length) throw new Error(`the page reported errors:\n${seen.join('\n')}`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await demo?.stop();
}, 30_000);

/** Opens the dashboard at `hash` in a context of its own and waits for its first data. */
async function open(hash: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
  page.on('pageerror', (e) => void problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    const csp: string[] = [];
    window['cspViolations'] = csp;
    (globalThis as unknown as { addEventListener(type: string, f: (e: { violatedDirective: string; blockedURI: string }) => void): void }).addEventListener(
      'securitypolicyviolation',
      (e) => csp.push(`${e.violatedDirective} blocked ${e.blockedURI}`),
    );
  });
  const response = await page.goto(`${server.url}/${hash}`);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await page.locator('#health', { hasText: 'System' }).waitFor();
  return page;
}

const runIds = (): Set<string> => new Set(server.hub.runs().map((r) => r.runId));

/** The id of the first run the hub sees that is not in `before`. */
function started(before: Set<string>): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      const run = server.hub.runs().find((r) => !before.has(r.runId));
      if (run) (off(), resolve(run.runId));
    };
    const off = server.hub.onChange(check);
    check();
  });
}

/** Starts a demo run; resolves with its id as soon as the dashboard sees it, and with `done` at its end. */
async function startRun(): Promise<{ runId: string; done: Promise<void> }> {
  const before = runIds();
  const done = demo.runOnce();
  return { runId: await started(before), done };
}

let finished: Promise<string> | undefined;
/** A run that has ended: the first test's, or one started for a test run alone. */
const aFinishedRun = (): Promise<string> =>
  (finished ??= startRun().then(async ({ runId, done }) => (await done, runId)));

/** Shows a run that has ended, and waits for it to be drawn as completed. */
async function openRun(page: Page, runId: string): Promise<void> {
  await page.evaluate((id) => void (location.hash = `#runs/${encodeURIComponent(id)}`), runId);
  await page.locator('#run-title', { hasText: runId }).waitFor();
  await page.locator('#run-live dl .status.s-completed').waitFor();
  await page.locator('#checkpoint').waitFor();
}

/** Picks the checkpoint whose label contains `label` and shows its state. */
async function showCheckpoint(page: Page, label: string): Promise<string> {
  const value = await page.locator('#checkpoint option', { hasText: label }).first().getAttribute('value');
  await page.selectOption('#checkpoint', value!);
  await page.click('#show-checkpoint');
  return shownState(page, value!);
}

/** The time-travel state's text, once the state of `checkpointId` is drawn. */
async function shownState(page: Page, checkpointId: string): Promise<string> {
  const step = await page.locator(`#checkpoint option[value="${checkpointId}"]`).textContent();
  const heading = `State at step ${/step (-?\d+)/.exec(step ?? '')![1]}`;
  await page.locator('#checkpoint-state h4', { hasText: heading }).waitFor();
  return (await page.locator('#checkpoint-state').innerText()).replace(/\s+/g, ' ');
}

/** Visible words of each timeline bar (the symbols included), with its outcome class. */
const bars = (page: Page): Promise<Array<{ outcome: string; text: string }>> =>
  page.locator('.timeline li.bar').evaluateAll((list: PageElement[]) =>
    list.map((b) => ({
      outcome: ['completed', 'failed', 'running'].find((c) => b.className.split(' ').includes(c)) ?? b.className,
      text: b.querySelector('[aria-hidden="true"]')?.textContent ?? '',
    })),
  );

describe('the dashboard in a browser', () => {
  it('shows a run started after the page loaded, live, until all its tasks finish on the timeline', async () => {
    const page = await open('#runs');
    await page.evaluate(() => void (window['loadedOnce'] = true));
    const { runId, done } = await startRun();

    const link = page.locator(`#runs-table a[href="#runs/${runId}"]`);
    await link.waitFor();
    await link.click();
    await page.locator('#run-title', { hasText: runId }).waitFor();
    // Every drawing of the timeline until the run ends: the bars must show up, then all finish.
    const drawn = await page.waitForFunction(() => {
      const seen = (window['barsSeen'] ??= []) as string[];
      const list = Array.from(document.querySelectorAll('.timeline li.bar'));
      for (const b of list) if (!seen.includes(b.className)) seen.push(b.className);
      const status = document.querySelector('#run-live dl .status');
      return status?.className.includes('s-completed') && list.filter((b) => b.className.includes('completed')).length === 7 ? seen : false;
    }, undefined, { timeout: 20_000 });
    expect(((await drawn.jsonValue()) as string[]).some((c) => c.includes('running'))).toBe(true);
    await done;

    const shown = await bars(page);
    expect(shown).toHaveLength(8);
    expect(shown.filter((b) => b.outcome === 'completed')).toHaveLength(7);
    for (const b of shown.filter((x) => x.outcome === 'completed')) expect(b.text).toMatch(/✓$/);
    const names = shown.map((b) => b.text.replace(/^◆ /, '').split(' ')[0]);
    expect(new Set(names)).toEqual(new Set(['fetch-papers', 'fetch-news', 'fetch-code', 'analyse-trends', 'analyse-code', 'review', 'report']));
    // An agent runs two attempts at once: they are drawn on rows of their own, neither hiding the other.
    const overlaps = await page.locator('.timeline ol.bars').evaluateAll((lanes: PageElement[]) =>
      lanes.flatMap((lane) => {
        const boxes = Array.from(lane.querySelectorAll('li.bar')).map((b) => ({ text: b.textContent, r: b.getBoundingClientRect() }));
        return boxes.flatMap((a, i) =>
          boxes.slice(i + 1).filter((b) => a.r.left < b.r.right && b.r.left < a.r.right && a.r.top < b.r.bottom && b.r.top < a.r.bottom).map((b) => `${a.text} / ${b.text}`),
        );
      }),
    );
    expect(overlaps).toEqual([]);
    await expect(page.locator(`#runs-table tr:has(a[href="#runs/${runId}"]) .status`).textContent()).resolves.toContain('completed');
    expect(await page.evaluate(() => window['loadedOnce'])).toBe(true);
    finished = Promise.resolve(runId);
  });

  it("shows the review task's failed first attempt and its completed retry", async () => {
    const page = await open('#runs');
    await openRun(page, await aFinishedRun());

    const review = (await bars(page)).filter((b) => b.text.includes('review'));
    expect(review).toEqual([
      { outcome: 'failed', text: '◆ review ✗' },
      { outcome: 'completed', text: '◆ review #2 ✓' },
    ]);
    const attempts = (await page.locator('#run-live table tr:has(th:text-is("review")) td').nth(2).innerText()).replace(/\s+/g, ' ');
    expect(attempts).toMatch(/#1 on reviewer: failed in \d+ ms \(review service busy \(503\) on the first try\)/);
    expect(attempts).toMatch(/#2 on reviewer: completed in \d+ ms/);
    expect(attempts).toContain('recovery: retry');
  });

  it('travels back to a checkpoint taken before any task ran, and shows that earlier state', async () => {
    const page = await open('#runs');
    await openRun(page, await aFinishedRun());

    const latest = await showCheckpoint(page, ' · end');
    expect(latest).toMatch(/Run status ✓ completed/);
    expect(latest).toMatch(/Tasks 7 completed/);
    const afterScheduler = await showCheckpoint(page, 'next: coordinator');
    expect(afterScheduler).toMatch(/Run status ▶ running/);
    expect(afterScheduler).toMatch(/Next coordinator/);
    expect(afterScheduler).not.toMatch(/completed/);
    expect(afterScheduler).not.toEqual(latest);
  });

  it('has no WCAG 2.2 AA violation (axe-core) on any view', async () => {
    const page = await open('#runs');
    await openRun(page, await aFinishedRun());
    await showCheckpoint(page, 'next: coordinator');
    const found: string[] = [];
    const check = async (view: string): Promise<void> => {
      const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
      expect(result.passes.length).toBeGreaterThan(10);
      for (const v of result.violations) {
        found.push(`${view}: ${v.id} (${v.impact ?? '?'}) ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`);
      }
    };
    await check('#runs (a run and a past state shown)');
    for (const view of VIEWS) {
      await page.evaluate((v) => void (location.hash = `#${v}`), view);
      await page.locator(`#view-${view}:not([hidden]) ${DRAWN[view]}`).first().waitFor();
      await check(`#${view}`);
    }
    expect(found.join('\n')).toBe('');
  });

  it('signs in with the token through an accessible form when served with one, then shows the runs', async () => {
    const token = 'browser-sign-in-token-0123';
    const guarded = await serveDashboard({ loops: { demo: demo.loop }, port: 0, token });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => void problems.push(`pageerror: ${e.message}`));
      await page.goto(`${guarded.url}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
      expect(result.violations.map((v) => v.id)).toEqual([]);
      // Keyboard only: the token field, then Enter submits the form.
      await page.keyboard.press('Tab');
      await page.keyboard.type('not-the-token-at-all');
      await page.keyboard.press('Enter');
      await page.locator('[role="alert"]', { hasText: 'not the token' }).waitFor();
      await page.fill('#token', token);
      await page.keyboard.press('Enter');
      await page.locator('#health', { hasText: 'System' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
      expect(page.url()).not.toContain(token);
    } finally {
      await guarded.close();
    }
  });

  it('can be used with the keyboard alone, with focus always visible', async () => {
    const runId = await aFinishedRun();
    const page = await open('#agents');
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement!;
        const style = getComputedStyle(el);
        return {
          what: el.id || el.getAttribute('href') || el.getAttribute('data-key') || el.className || el.tagName,
          text: (el.textContent ?? '').trim(),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        };
      });
    const press = async (key: string) => (await page.keyboard.press(key), focused());
    // A followed link changes the hash; the page moves focus when the hashchange event comes, a task later.
    const follow = async (id: string) => {
      await page.keyboard.press('Enter');
      await page.waitForFunction((to) => document.activeElement?.id === to, id);
      return focused();
    };

    // The skip link comes first and takes focus into the view shown, without leaving it.
    expect(await press('Tab')).toEqual({ what: '#main', text: 'Skip to content', outline: true });
    expect(await follow('h-agents')).toMatchObject({ what: 'h-agents', outline: true });
    expect(await page.evaluate(() => location.hash)).toBe('#agents');
    // Back into the nav, and from there to the runs.
    expect(await press('Shift+Tab')).toEqual({ what: '#alerts', text: 'Alerts', outline: true });
    for (const name of ['Network', 'Tools', 'Agents']) expect(await press('Shift+Tab')).toMatchObject({ text: name, outline: true });
    expect(await press('Shift+Tab')).toEqual({ what: '#runs', text: 'Runs', outline: true });
    expect(await follow('h-runs')).toMatchObject({ what: 'h-runs', outline: true });
    expect(await page.locator('#view-runs').isVisible()).toBe(true);

    // Tab to the run, open it: focus lands on the run itself.
    await page.locator(`#runs-table a[href="#runs/${runId}"]`).waitFor();
    let at = await press('Tab');
    for (let i = 0; i < 10 && at.what !== `#runs/${runId}`; i++) {
      expect(at).toMatchObject({ outline: true });
      at = await press('Tab');
    }
    expect(at).toMatchObject({ what: `#runs/${runId}`, outline: true });
    // A live update redraws the table under the focused link: focus and its ring stay.
    const another = await startRun();
    await page.locator(`#runs-table a[href="#runs/${another.runId}"]`).waitFor();
    expect(await focused()).toEqual(at);
    expect(await follow('run-title')).toMatchObject({ what: 'run-title', outline: true });
    await page.locator('#checkpoint').waitFor();

    // On through the timeline and the plan to the time-travel controls.
    const passed: string[] = [];
    at = await press('Tab');
    for (let i = 0; i < 10 && at.what !== 'checkpoint'; i++) {
      expect(at).toMatchObject({ outline: true });
      passed.push(at.what);
      at = await press('Tab');
    }
    expect(passed).toEqual(['timeline', 'dag']);
    expect(at).toMatchObject({ what: 'checkpoint', outline: true });
    // A closed select takes the arrow keys; pick the checkpoint taken after the scheduler.
    for (let i = 0; i < 10 && !(await page.locator('#checkpoint option:checked').textContent())!.includes('next: coordinator'); i++) {
      await page.keyboard.press('ArrowDown');
    }
    const checkpointId = await page.locator('#checkpoint').inputValue();
    expect(await page.locator('#checkpoint option:checked').textContent()).toContain('next: coordinator');
    expect(await press('Tab')).toEqual({ what: 'show-checkpoint', text: 'Show state', outline: true });
    await page.keyboard.press('Enter');
    expect(await shownState(page, checkpointId)).toMatch(/Run status ▶ running/);
    expect(await press('Tab')).toEqual({ what: 'reload-history', text: 'Reload history', outline: true });
    await another.done;
  });

  it('stops the running bars moving when the user asks for reduced motion', async () => {
    const still = await open('#runs', { reducedMotion: 'reduce' });
    const moving = await open('#runs', { reducedMotion: 'no-preference' });
    const { runId, done } = await startRun();
    const runningBar = (page: Page) =>
      page.evaluate((id) => void (location.hash = `#runs/${encodeURIComponent(id)}`), runId).then(() =>
        page
          .waitForFunction(() => {
            const bar = document.querySelector('.timeline li.bar.running');
            return bar && { animation: getComputedStyle(bar).animationName, text: bar.querySelector('[aria-hidden="true"]')?.textContent ?? '' };
          })
          .then((h) => h.jsonValue() as Promise<{ animation: string; text: string }>),
      );
    const [reduced, full] = await Promise.all([runningBar(still), runningBar(moving)]);
    await done;
    expect(reduced.animation).toBe('none');
    expect(full.animation).toBe('march');
    // Running says so in words too: the symbol, not only the stripes and the blue.
    expect(reduced.text).toMatch(/▶$/);
  });

  it('never uses colour alone: bars carry ✓ ✗ ▶ and status badges carry their word', async () => {
    const page = await open('#runs');
    await openRun(page, await aFinishedRun());
    const symbol: Record<string, string> = { completed: '✓', failed: '✗', running: '▶' };
    const shown = await bars(page);
    expect(shown.length).toBeGreaterThan(0);
    for (const b of shown) expect(b.text.endsWith(symbol[b.outcome]!)).toBe(true);
    const critical = await page.locator('.timeline li.bar.critical [aria-hidden="true"]').allTextContents();
    expect(critical.length).toBeGreaterThan(0);
    for (const text of critical) expect(text.startsWith('◆ ')).toBe(true);

    const badges = async (): Promise<Array<{ status: string; text: string }>> =>
      page.locator('main section:not([hidden]) .status, #health .status').evaluateAll((list: PageElement[]) =>
        list.map((b) => ({ status: /s-(\S+)/.exec(b.className)![1]!, text: b.textContent ?? '' })),
      );
    const all = await badges();
    for (const view of ['agents', 'alerts'] as const) {
      await page.evaluate((v) => void (location.hash = `#${v}`), view);
      await page.locator(`#view-${view}:not([hidden]) ${DRAWN[view]}`).first().waitFor();
      all.push(...(await badges()));
    }
    expect(all.length).toBeGreaterThan(10);
    for (const b of all) expect(b.text).toContain(b.status);
  });

  it('loads and runs every view under its content security policy with no console error', async () => {
    const page = await open('#runs');
    await openRun(page, await aFinishedRun());
    await showCheckpoint(page, 'next: coordinator');
    for (const view of VIEWS) {
      await page.evaluate((v) => void (location.hash = `#${v}`), view);
      await page.locator(`#view-${view}:not([hidden]) ${DRAWN[view]}`).first().waitFor();
    }
    expect(await page.evaluate(() => window['cspViolations'])).toEqual([]);
    // Console errors and page errors fail every test in afterEach; this one also sees the whole tour.
    expect(problems).toEqual([]);
  });
});
