/**
 * The dashboard page: one HTML document, its style sheet and its script (./client.ts), all served by
 * the dashboard server itself, so the page works with no network. No framework, no build step.
 */

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>langgraph-no dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <h1>langgraph-no</h1>
  <p id="health" role="status" aria-live="polite">Connecting…</p>
  <nav aria-label="Views">
    <ul>
      <li><a href="#runs" data-view="runs">Runs</a></li>
      <li><a href="#agents" data-view="agents">Agents</a></li>
      <li><a href="#tools" data-view="tools">Tools</a></li>
      <li><a href="#network" data-view="network">Network</a></li>
      <li><a href="#alerts" data-view="alerts">Alerts <span id="alert-count"></span></a></li>
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1">
  <section id="view-runs" data-view="runs" aria-labelledby="h-runs">
    <h2 id="h-runs" tabindex="-1">Runs</h2>
    <div class="runs-layout">
      <div>
        <table id="runs-table">
          <caption>Runs, newest first (live and finished)</caption>
          <thead><tr><th scope="col">Run</th><th scope="col">Loop · thread</th><th scope="col">Status</th><th scope="col">Tasks done</th></tr></thead>
          <tbody><tr><td colspan="4">No run yet.</td></tr></tbody>
        </table>
      </div>
      <div id="run-detail" aria-live="off">
        <p>Pick a run to see its timeline, its plan and its history.</p>
      </div>
    </div>
  </section>
  <section id="view-agents" data-view="agents" aria-labelledby="h-agents" hidden>
    <h2 id="h-agents" tabindex="-1">Agent pool</h2>
    <p id="agents-summary"></p>
    <table id="agents-table">
      <caption>Every agent of every loop</caption>
      <thead><tr><th scope="col">Loop</th><th scope="col">Agent</th><th scope="col">Health</th><th scope="col">Circuit</th><th scope="col">Utilization</th><th scope="col">Restarts</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Mean latency</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="view-tools" data-view="tools" aria-labelledby="h-tools" hidden>
    <h2 id="h-tools" tabindex="-1">Tool layers</h2>
    <p id="tools-summary"></p>
    <table id="tools-table">
      <caption>Calls per tool, since the dashboard started</caption>
      <thead><tr><th scope="col">Layer</th><th scope="col">Tool</th><th scope="col">Calls</th><th scope="col">Errors</th><th scope="col">Error rate</th><th scope="col">p95 latency</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="view-network" data-view="network" aria-labelledby="h-network" hidden>
    <h2 id="h-network" tabindex="-1">Agent network</h2>
    <dl id="network-figures" class="figures"></dl>
  </section>
  <section id="view-alerts" data-view="alerts" aria-labelledby="h-alerts" hidden>
    <h2 id="h-alerts" tabindex="-1">Alerts</h2>
    <h3>Firing now</h3>
    <ul id="alerts-firing"></ul>
    <table id="alerts-table">
      <caption>Recent alerts, newest first</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Alert</th><th scope="col">State</th><th scope="col">About</th><th scope="col">Message</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<footer><p id="updated" aria-live="off"></p></footer>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root { --fg: #1b1f24; --muted: #4a5360; --bg: #ffffff; --panel: #f5f7fa; --line: #6e7781; --focus: #0a55c2;
  --ok: #116329; --ok-bg: #dcf5e3; --bad: #a40e26; --bad-bg: #ffe2e5; --run: #0a55c2; --run-bg: #dde9ff;
  --wait: #5c4a00; --wait-bg: #fff3c4; --crit: #6639ba; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.skip { position: absolute; left: -10000px; top: 0; background: var(--fg); color: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; top: .5rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 1.2rem; margin: 0; }
#health { margin: 0; font-weight: 600; }
nav ul { list-style: none; display: flex; gap: .25rem; margin: 0; padding: 0; flex-wrap: wrap; }
nav a { display: inline-block; padding: .4rem .8rem; min-height: 24px; color: var(--fg); text-decoration: none; border: 1px solid transparent; border-radius: 4px; }
nav a:hover { border-color: var(--line); }
nav a[aria-current="page"] { border-color: var(--fg); font-weight: 700; background: var(--bg); text-decoration: underline; }
main { padding: 1rem 1.25rem; }
main:focus { outline: none; }
h2 { margin-top: 0; font-size: 1.3rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
button, select { font: inherit; padding: .3rem .7rem; min-height: 28px; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); cursor: pointer; }
button[aria-pressed="true"] { background: var(--fg); color: #fff; }
.runs-layout { display: grid; grid-template-columns: minmax(18rem, 26rem) 1fr; gap: 1.5rem; }
@media (max-width: 900px) { .runs-layout { grid-template-columns: 1fr; } }
.status { display: inline-block; padding: 0 .4rem; border-radius: 3px; border: 1px solid; font-weight: 600; white-space: nowrap; }
.s-completed, .s-healthy, .s-closed, .s-resolved { color: var(--ok); background: var(--ok-bg); }
.s-failed, .s-unhealthy, .s-open, .s-firing, .s-cancelled { color: var(--bad); background: var(--bad-bg); }
.s-running, .s-half-open { color: var(--run); background: var(--run-bg); }
.s-pending, .s-skipped, .s-degraded { color: var(--wait); background: var(--wait-bg); }
.figures { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.figures dt { font-weight: 600; }
.figures dd { margin: 0; }
.timeline { border: 1px solid var(--line); border-radius: 4px; padding: .5rem; overflow-x: auto; }
.lane { display: grid; grid-template-columns: 9rem 1fr; align-items: center; min-height: 2rem; border-bottom: 1px dashed #d0d7de; }
.lane:last-child { border-bottom: 0; }
.lane-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: .5rem; }
.bars { position: relative; height: 1.7rem; list-style: none; margin: 0; padding: 0; min-width: 24rem; }
.bar { position: absolute; top: .1rem; height: 1.5rem; min-width: 4px; border: 2px solid; border-radius: 3px; font-size: .75rem; line-height: 1.25rem; padding: 0 .2rem; overflow: hidden; white-space: nowrap; }
.bar.completed { color: var(--ok); background: var(--ok-bg); border-color: var(--ok); }
.bar.failed { color: var(--bad); border-color: var(--bad); border-style: dashed; background: repeating-linear-gradient(45deg, var(--bad-bg) 0 6px, #fff 6px 9px); }
.bar.running { color: var(--run); border-color: var(--run); background: repeating-linear-gradient(90deg, var(--run-bg) 0 8px, #fff 8px 12px); background-size: 24px 100%; animation: march 1s linear infinite; }
/* Words over stripes sit on a solid ground, so their contrast holds (and can be measured). */
.bar.failed > span, .bar.running > span { background: var(--bg); }
.bar.critical { box-shadow: 0 0 0 2px var(--crit); font-weight: 700; }
@keyframes march { from { background-position: 0 0; } to { background-position: 24px 0; } }
.legend { display: flex; flex-wrap: wrap; gap: .5rem 1rem; list-style: none; padding: 0; margin: .5rem 0; font-size: .85rem; }
.legend .bar { position: static; display: inline-block; width: 3.5rem; margin-right: .3rem; vertical-align: middle; animation: none; }
.dag { position: relative; overflow: auto; max-height: 28rem; border: 1px solid var(--line); border-radius: 4px; }
.dag svg { position: absolute; left: 0; top: 0; pointer-events: none; }
.node { position: absolute; width: 9.5rem; padding: .2rem .4rem; border: 2px solid var(--line); border-radius: 4px; background: var(--bg); font-size: .8rem; }
.node.critical { border-color: var(--crit); border-width: 3px; }
.node .id { font-weight: 700; display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.note { color: var(--muted); }
footer { padding: .5rem 1.25rem; color: var(--muted); border-top: 1px solid #d0d7de; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-reduced-motion: reduce) { *, *::before, *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; } }
`;
