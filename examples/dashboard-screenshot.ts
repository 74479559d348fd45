/**
 * The README's picture of the dashboard: serves the demo workload, runs it twice, opens the newest run
 * in Debian's chromium (playwright-core; `apt-get install -y chromium`) with a past checkpoint shown,
 * and saves the whole page as docs/dashboard.png.
 *
 *   npx tsx examples/dashboard-screenshot.ts [out.png]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createDashboardDemo, serveDashboard } from '../src/observe/index.js';

const CHROMIUM = '/usr/bin/chromium';
const out = process.argv[2] ?? join(__dirname, '..', 'docs', 'dashboard.png');

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const demo = createDashboardDemo({ taskMs: 400 });
  const dashboard = await serveDashboard({ loops: { research: demo.loop }, toolLayers: [demo.tools], port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    await demo.runOnce();
    await demo.runOnce();
    const runId = dashboard.hub.runs()[0]!.runId;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboard.url}/#runs/${encodeURIComponent(runId)}`);
    await page.locator('#run-live dl .status.s-completed').waitFor();
    // Time travel to the checkpoint taken after the coordinator, where the recovery node comes next.
    const option = page.locator('#checkpoint option', { hasText: 'next: recovery' }).first();
    await page.selectOption('#checkpoint', (await option.getAttribute('value'))!);
    await page.click('#show-checkpoint');
    await page.locator('#checkpoint-state h4').waitFor();
    await page.screenshot({ path: out, fullPage: true });
    console.log(`saved ${out} (run ${runId})`);
  } finally {
    await browser.close();
    await dashboard.close();
    await demo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
