/**
 * The dashboard page's script, served as /app.js. Plain ES2017 for any current browser: it listens to
 * /events (server-sent events) and, on each change, reads the JSON endpoints and redraws the view
 * shown. Views are addressed by the URL hash (#runs, #runs/<run id>, #agents, #tools, #network,
 * #alerts), so links, the back button and the keyboard all work.
 */
export const DASHBOARD_JS = String.raw`(function () {
  'use strict';
  var MAX_BARS = 3000, MAX_DAG = 300, MAX_TASK_ROWS = 500, ROW_REM = 1.8, ROW_GAP = 0.015;
  var SYMBOL = { completed: '\u2713', failed: '\u2717', running: '\u25B6', pending: '\u2026', skipped: '\u2013', cancelled: '\u25A0',
    healthy: '\u2713', degraded: '!', unhealthy: '\u2717', closed: '\u2713', open: '\u2717', 'half-open': '\u25D0', firing: '!', resolved: '\u2713',
    idle: '\u2713', busy: '\u25B6', broken: '\u2717', restarting: '\u21BB' };
  var state = { view: 'runs', runId: null, run: null, loading: false, again: false, historyFor: null, focusRun: false, health: null };
  function $(id) { return document.getElementById(id); }
  function esc(v) {
    return String(v == null ? '' : v).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function badge(s) { return '<span class="status s-' + esc(s) + '"><span aria-hidden="true">' + (SYMBOL[s] || '') + '</span> ' + esc(s) + '</span>'; }
  function dur(v) {
    if (v == null) return '\u2014';
    if (v < 1000) return Math.round(v) + ' ms';
    if (v < 60000) return (v / 1000).toFixed(1) + ' s';
    return Math.floor(v / 60000) + ' min ' + Math.round((v % 60000) / 1000) + ' s';
  }
  function pct(v) { return (v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0) + ' %'; }
  function time(ms) { return new Date(ms).toLocaleTimeString(); }
  function getJson(url) {
    return fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(url + ': ' + r.status + ' ' + t); });
      return r.json();
    });
  }
  // Redraws a container, keeping keyboard focus and scroll position on the element with the same data-key.
  function redraw(el, html) {
    var active = document.activeElement, key = active && el.contains(active) ? active.getAttribute('data-key') : null;
    var scrolled = {};
    el.querySelectorAll('[data-scroll]').forEach(function (s) { scrolled[s.getAttribute('data-scroll')] = [s.scrollLeft, s.scrollTop]; });
    el.innerHTML = html;
    el.querySelectorAll('[data-scroll]').forEach(function (s) { var p = scrolled[s.getAttribute('data-scroll')]; if (p) { s.scrollLeft = p[0]; s.scrollTop = p[1]; } });
    if (key) { var again = el.querySelector('[data-key="' + CSS.escape(key) + '"]'); if (again) again.focus(); }
  }

  function route(moveFocus) {
    var parts = location.hash.replace(/^#/, '').split('/');
    var view = ['runs', 'agents', 'tools', 'network', 'alerts'].indexOf(parts[0]) >= 0 ? parts[0] : 'runs';
    state.view = view;
    var opening = view === 'runs' && !!parts[1];
    if (opening) state.runId = decodeURIComponent(parts.slice(1).join('/'));
    document.querySelectorAll('main > section').forEach(function (s) { s.hidden = s.getAttribute('data-view') !== view; });
    document.querySelectorAll('nav a').forEach(function (a) {
      if (a.getAttribute('data-view') === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    document.title = view.charAt(0).toUpperCase() + view.slice(1) + ' \u00B7 langgraph-no dashboard';
    // Opening a run takes focus to the run itself (once drawn), not back to the top of the runs list.
    if (moveFocus && opening) state.focusRun = true;
    else if (moveFocus) $('h-' + view).focus();
    refresh();
  }

  function renderHealth(m) {
    var h = m.systemHealth;
    var html = 'System ' + badge(h.status) + ' \u00B7 ' + m.scheduler.runsLive + ' live runs \u00B7 agents ' + pct(m.agents.utilization) + ' busy' +
      (h.reasons.length ? ' \u00B7 not ready: ' + esc(h.reasons.join('; ')) : '');
    // A live region: rewriting the same words would have screen readers read them again on every change.
    if (html !== state.health) { state.health = html; $('health').innerHTML = html; }
    $('alert-count').textContent = h.alertsFiring ? '(' + h.alertsFiring + ' firing)' : '';
  }

  function renderRuns(runs) {
    var body = runs.length ? runs.map(function (r) {
      var current = r.runId === state.runId ? ' aria-current="true"' : '';
      return '<tr><td><a href="#runs/' + encodeURIComponent(r.runId) + '" data-key="run-' + esc(r.runId) + '"' + current + '>' + esc(r.runId.slice(0, 8)) +
        '<span class="sr-only"> ' + esc(r.runId) + '</span></a><br><span class="note">' + time(r.startedAt) + '</span></td><td>' + esc(r.loop) + '<br><span class="note">' + esc(r.threadId || '\u2014') +
        '</span></td><td>' + badge(r.status) + '</td><td class="num">' + r.completed + ' / ' + r.tasks + (r.failed ? '<br>' + r.failed + ' failed' : '') + '</td></tr>';
    }).join('') : '<tr><td colspan="4">No run yet: invoke a loop and it shows up here.</td></tr>';
    redraw(document.querySelector('#runs-table tbody'), body);
  }

  function lanesOf(run) {
    var lanes = {}, names = [], bars = 0;
    for (var i = 0; i < run.order.length && bars < MAX_BARS; i++) {
      var task = run.tasksById[run.order[i]];
      for (var j = 0; j < task.attempts.length && bars < MAX_BARS; j++, bars++) {
        var a = task.attempts[j];
        if (!lanes[a.agentId]) { lanes[a.agentId] = []; names.push(a.agentId); }
        lanes[a.agentId].push({ task: task, a: a });
      }
    }
    names.sort();
    return { lanes: lanes, names: names, full: bars >= MAX_BARS };
  }

  function renderTimeline(run, now) {
    var t0 = run.startedAt, t1 = run.endedAt || now, span = Math.max(1, t1 - t0), l = lanesOf(run);
    if (!l.names.length) return '<p>No task has started yet.</p>';
    var html = '<div class="timeline" role="region" aria-label="Timeline: one row per agent, a bar per task attempt" tabindex="0" data-scroll="timeline" data-key="timeline">';
    l.names.forEach(function (agent) {
      // An agent runs several attempts at once: each overlapping one goes on a row of its own, in time order.
      var bars = l.lanes[agent].slice().sort(function (x, y) { return x.a.startedAt - y.a.startedAt; }), ends = [];
      bars.forEach(function (b) {
        var row = 0;
        while (row < ends.length && ends[row] + span * ROW_GAP > b.a.startedAt) row++;
        ends[row] = b.a.endedAt || t1;
        b.row = row;
      });
      html += '<div class="lane"><div class="lane-name">' + esc(agent) + '</div><ol class="bars" style="height:' + (ends.length * ROW_REM).toFixed(1) + 'rem" aria-label="Attempts on ' + esc(agent) + '">';
      bars.forEach(function (b) {
        var a = b.a, end = a.endedAt || t1, left = ((a.startedAt - t0) / span) * 100, width = Math.max(0.4, ((end - a.startedAt) / span) * 100);
        var what = b.task.id + ', attempt ' + a.attempt + ': ' + a.outcome + (a.endedAt ? ' after ' + dur(a.endedAt - a.startedAt) : ', for ' + dur(end - a.startedAt)) +
          (a.error ? ' (' + a.error + ')' : '') + (b.task.critical ? ', on the critical path' : '');
        html += '<li class="bar ' + esc(a.outcome) + (b.task.critical ? ' critical' : '') + '" style="top:' + (b.row * ROW_REM + 0.1).toFixed(1) + 'rem;left:' + left.toFixed(3) + '%;width:' + width.toFixed(3) + '%" title="' + esc(what) + '">' +
          '<span aria-hidden="true">' + (b.task.critical ? '\u25C6 ' : '') + esc(b.task.id) + (a.attempt > 1 ? ' #' + a.attempt : '') + ' ' + SYMBOL[a.outcome] + '</span><span class="sr-only">' + esc(what) + '</span></li>';
      });
      html += '</ol></div>';
    });
    html += '</div>';
    if (l.full) html += '<p class="note">Showing the first ' + MAX_BARS + ' attempts.</p>';
    else if (run.tasksOmitted) html += '<p class="note">Showing the attempts of the first ' + run.order.length + ' of ' + run.tasks + ' tasks.</p>';
    return html + '<ul class="legend" aria-label="Legend">' +
      '<li><span class="bar completed" aria-hidden="true"><span>a \u2713</span></span>completed (solid)</li>' +
      '<li><span class="bar failed" aria-hidden="true"><span>a \u2717</span></span>failed attempt (dashed, hatched)</li>' +
      '<li><span class="bar running" aria-hidden="true"><span>a \u25B6</span></span>running (striped)</li>' +
      '<li><span class="bar completed critical" aria-hidden="true"><span>\u25C6 a</span></span>critical path (\u25C6, outlined)</li>' +
      '<li>#2: the second attempt of a task</li></ul>';
  }

  function renderTasks(run) {
    var rows = run.order.slice(0, MAX_TASK_ROWS).map(function (id) {
      var t = run.tasksById[id];
      var attempts = t.attempts.map(function (a) {
        return '#' + a.attempt + ' on ' + esc(a.agentId) + ': ' + esc(a.outcome) + (a.endedAt ? ' in ' + dur(a.endedAt - a.startedAt) : '') + (a.error ? ' (' + esc(a.error) + ')' : '');
      }).join('<br>') || '\u2014';
      return '<tr><th scope="row">' + esc(id) + '</th><td>' + badge(t.status) + '</td><td>' + (t.critical ? '\u25C6 yes' : 'no') + '</td><td>' + attempts +
        (t.recoveries.length ? '<br><span class="note">recovery: ' + esc(t.recoveries.join(', ')) + '</span>' : '') + '</td><td>' + (t.dependsOn.map(esc).join(', ') || '\u2014') + '</td></tr>';
    }).join('');
    return '<table><caption>Tasks in plan order' + (run.tasks > MAX_TASK_ROWS ? ' (first ' + MAX_TASK_ROWS + ' of ' + run.tasks + ')' : '') + '</caption>' +
      '<thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Critical</th><th scope="col">Attempts</th><th scope="col">Depends on</th></tr></thead><tbody>' + rows + '</tbody></table>';
  }

  function renderDag(run) {
    var ids = run.order.slice(0, MAX_DAG), level = {}, columns = [], W = 168, H = 58;
    ids.forEach(function (id) {
      var deps = run.tasksById[id].dependsOn, l = 0;
      deps.forEach(function (d) { if (level[d] != null) l = Math.max(l, level[d] + 1); });
      level[id] = l;
      (columns[l] = columns[l] || []).push(id);
    });
    var pos = {}, html = '', lines = '', width = columns.length * W, height = 0;
    columns.forEach(function (col, x) { col.forEach(function (id, y) { pos[id] = [x * W + 8, y * H + 8]; height = Math.max(height, y * H + H + 8); }); });
    ids.forEach(function (id) {
      var t = run.tasksById[id], p = pos[id];
      t.dependsOn.forEach(function (d) {
        if (!pos[d]) return;
        lines += '<line x1="' + (pos[d][0] + 152) + '" y1="' + (pos[d][1] + 22) + '" x2="' + p[0] + '" y2="' + (p[1] + 22) + '" stroke="#6e7781" stroke-width="1.5" marker-end="url(#arrow)"/>';
      });
      html += '<div class="node' + (t.critical ? ' critical' : '') + '" style="left:' + p[0] + 'px;top:' + p[1] + 'px"><span class="id">' + (t.critical ? '\u25C6 ' : '') + esc(id) + '</span>' + badge(t.status) + '</div>';
    });
    return '<div class="dag" role="region" aria-label="Plan DAG: tasks left to right by dependency depth; the task table lists the same dependencies" tabindex="0" data-scroll="dag" data-key="dag" style="height:' + Math.min(height + 16, 448) + 'px">' +
      '<svg aria-hidden="true" focusable="false" width="' + width + '" height="' + height + '"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#6e7781"/></marker></defs>' + lines + '</svg>' +
      html + '</div>' + (run.tasks > MAX_DAG ? '<p class="note">Drawing the first ' + MAX_DAG + ' of ' + run.tasks + ' tasks.</p>' : '');
  }

  function renderRun(run, now) {
    var box = $('run-detail');
    if (!run) {
      redraw(box, state.runId ? '<p>Run ' + esc(state.runId) + ' is not (or no longer) held by the dashboard.</p>' : '<p>Pick a run to see its timeline, its plan and its history.</p>');
      if (state.focusRun) { state.focusRun = false; $('h-runs').focus(); }
      return;
    }
    if (!$('run-live') || box.getAttribute('data-run') !== run.runId) {
      box.setAttribute('data-run', run.runId);
      box.innerHTML = '<h3 id="run-title" tabindex="-1"></h3><div id="run-live"></div><h3>Time travel</h3><div id="travel"></div>';
      state.historyFor = null;
    }
    $('run-title').textContent = 'Run ' + run.runId;
    if (state.focusRun) { state.focusRun = false; $('run-title').focus(); }
    var summary = '<dl class="figures"><dt>Status</dt><dd>' + badge(run.status) + (run.error ? ' ' + esc(run.error.code + ': ' + run.error.message) : '') + '</dd>' +
      '<dt>Loop \u00B7 thread</dt><dd>' + esc(run.loop) + ' \u00B7 ' + esc(run.threadId || '\u2014') + '</dd>' +
      '<dt>Strategy</dt><dd>' + esc(run.strategy || '\u2014') + (run.planRatio ? ' (plan within ' + run.planRatio.toFixed(2) + '\u00D7 of the bound)' : '') + '</dd>' +
      '<dt>Tasks</dt><dd>' + run.completed + ' completed, ' + run.running + ' running, ' + run.failed + ' failed, of ' + run.tasks + '</dd>' +
      '<dt>Time</dt><dd>' + dur((run.endedAt || now) - run.startedAt) + (run.endedAt ? '' : ' so far') + '</dd>' +
      '<dt>Critical path</dt><dd>' + (run.criticalPath.map(esc).join(' \u2192 ') || '\u2014') + '</dd></dl>' +
      (run.truncated ? '<p class="note">This run passed the dashboard\u2019s event limit: later attempts are not drawn.</p>' : '');
    redraw($('run-live'), summary + '<h4>Timeline</h4>' + renderTimeline(run, now) + '<h4>Plan</h4>' + renderDag(run) + renderTasks(run));
    var ended = run.endedAt ? 'ended' : 'live';
    if (state.historyFor !== run.runId + ended) { state.historyFor = run.runId + ended; loadHistory(run); }
  }

  function loadHistory(run) {
    var box = $('travel');
    if (!run.threadId) { box.innerHTML = '<p>This run has no thread id, so its history cannot be read.</p>'; return; }
    getJson('api/history?run=' + encodeURIComponent(run.runId)).then(function (h) {
      if (!h.checkpoints.length) { box.innerHTML = '<p>No checkpoint yet.</p>'; return; }
      var keep = $('checkpoint') ? $('checkpoint').value : null;
      redraw(box, '<p class="note">Thread ' + esc(run.threadId) + ' has ' + h.checkpoints.length + ' checkpoints (newest first). Pick one to see the loop\u2019s state as it was then.</p>' +
        '<label for="checkpoint">Checkpoint</label> <select id="checkpoint" data-key="checkpoint">' + h.checkpoints.map(function (c) {
          return '<option value="' + esc(c.checkpointId) + '">step ' + c.step + ' \u00B7 ' + esc(c.source) + (c.next.length ? ' \u00B7 next: ' + esc(c.next.join(', ')) : ' \u00B7 end') + (c.createdAt ? ' \u00B7 ' + esc(new Date(c.createdAt).toLocaleTimeString()) : '') + '</option>';
        }).join('') + '</select> <button type="button" id="show-checkpoint" data-key="show-checkpoint">Show state</button> <button type="button" id="reload-history" data-key="reload-history">Reload history</button>' +
        '<div id="checkpoint-state" aria-live="polite"></div>');
      if (keep) $('checkpoint').value = keep;
    }).catch(function (e) { box.innerHTML = '<p role="alert">' + esc(e.message) + '</p>'; });
  }

  function showCheckpoint() {
    var id = $('checkpoint').value, out = $('checkpoint-state');
    getJson('api/history?run=' + encodeURIComponent(state.runId) + '&checkpoint=' + encodeURIComponent(id)).then(function (s) {
      var counts = Object.keys(s.tasksByStatus).map(function (k) { return s.tasksByStatus[k] + ' ' + esc(k); }).join(', ') || 'none recorded yet';
      out.innerHTML = '<h4>State at step ' + s.step + '</h4><dl class="figures"><dt>Run status</dt><dd>' + badge(s.status) + '</dd><dt>Next</dt><dd>' + (esc(s.next.join(', ')) || 'nothing (the run ended)') +
        '</dd><dt>Tasks</dt><dd>' + counts + '</dd><dt>Results</dt><dd>' + s.results + '</dd><dt>Errors \u00B7 recoveries</dt><dd>' + s.errors + ' \u00B7 ' + s.recoveries + '</dd></dl>' +
        (s.tasks.length ? '<table><caption>Task records at this checkpoint' + (s.tasksTruncated ? ' (first ' + s.tasks.length + ')' : '') + '</caption><thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Agent</th><th scope="col">Attempts</th></tr></thead><tbody>' +
          s.tasks.map(function (t) { return '<tr><th scope="row">' + esc(t.taskId) + '</th><td>' + badge(t.status) + '</td><td>' + esc(t.agentId || '\u2014') + '</td><td class="num">' + t.attempts + '</td></tr>'; }).join('') + '</tbody></table>' : '');
    }).catch(function (e) { out.innerHTML = '<p role="alert">' + esc(e.message) + '</p>'; });
  }

  function renderAgents(a) {
    $('agents-summary').textContent = a.total + ' agents, ' + a.healthy + ' healthy, ' + a.openCircuits + ' with an open circuit; ' + pct(a.utilization) + ' of all slots busy.';
    redraw(document.querySelector('#agents-table tbody'), a.agents.map(function (g) {
      return '<tr><td>' + esc(g.loop) + '</td><th scope="row">' + esc(g.id) + '</th><td>' + badge(g.health) + ' ' + badge(g.status) + '</td><td>' + badge(g.circuit) + '</td><td class="num">' + pct(g.utilization) +
        ' (' + g.activeTasks + ' of ' + g.maxConcurrency + ')</td><td class="num">' + g.restarts + '</td><td class="num">' + g.successes + '</td><td class="num">' + g.failures + '</td><td class="num">' + dur(g.avgLatencyMs) + '</td></tr>';
    }).join('') || '<tr><td colspan="9">No agent.</td></tr>');
  }

  function renderTools(t) {
    $('tools-summary').textContent = t.calls + ' calls, ' + t.errors + ' errors (' + pct(t.errorRate) + ').';
    redraw(document.querySelector('#tools-table tbody'), t.tools.map(function (x) {
      return '<tr><td>' + esc(x.layer) + '</td><th scope="row">' + esc(x.tool) + '</th><td class="num">' + x.calls + '</td><td class="num">' + x.errors + '</td><td class="num">' + pct(x.errorRate) + '</td><td class="num">' + dur(x.p95LatencyMs) + '</td></tr>';
    }).join('') || '<tr><td colspan="6">No tool call yet.</td></tr>');
  }

  function renderNetwork(n) {
    var parts = n.partitions.map(function (g) { return '[' + g.map(esc).join(', ') + ']'; }).join(' | ');
    redraw($('network-figures'), '<dt>Networks watched</dt><dd>' + n.networks + '</dd><dt>Throughput</dt><dd>' + n.throughputPerSecond.toFixed(1) + ' messages/s</dd><dt>p95 latency</dt><dd>' + dur(n.latencyP95Ms) +
      '</dd><dt>Queued</dt><dd>' + n.queued + '</dd><dt>Partitioned</dt><dd>' + (n.partitioned ? badge('failed') + ' yes: ' + parts : 'no') + '</dd><dt>Unreachable</dt><dd>' + (n.unreachable.map(esc).join(', ') || 'none') +
      '</dd><dt>Delivered \u00B7 refused</dt><dd>' + n.delivered + ' \u00B7 ' + n.refused + '</dd>');
  }

  function renderAlerts(a) {
    redraw($('alerts-firing'), a.firing.map(function (x) { return '<li>' + badge('firing') + ' <strong>' + esc(x.name) + '</strong> ' + esc(x.message) + '</li>'; }).join('') || '<li>None.</li>');
    redraw(document.querySelector('#alerts-table tbody'), a.recent.slice().reverse().map(function (x) {
      return '<tr><td>' + time(x.at) + '</td><th scope="row">' + esc(x.name) + '</th><td>' + badge(x.state) + '</td><td>' + esc(x.subject) + '</td><td>' + esc(x.message) + '</td></tr>';
    }).join('') || '<tr><td colspan="5">No alert yet.</td></tr>');
  }

  function refresh() {
    if (state.loading) { state.again = true; return; }
    state.loading = true;
    var wantRun = state.view === 'runs' && state.runId;
    Promise.all([getJson('api/metrics'), state.view === 'runs' ? getJson('api/runs') : null,
      wantRun ? getJson('api/run?id=' + encodeURIComponent(state.runId)).catch(function () { return null; }) : null,
      state.view === 'alerts' ? getJson('api/alerts') : null]).then(function (r) {
      var m = r[0];
      renderHealth(m);
      if (state.view === 'runs') { renderRuns(r[1].runs); renderRun(r[2] && r[2].run, r[2] ? r[2].now : Date.now()); }
      if (state.view === 'agents') renderAgents(m.agents);
      if (state.view === 'tools') renderTools(m.tools);
      if (state.view === 'network') renderNetwork(m.network);
      if (state.view === 'alerts') renderAlerts(r[3]);
      $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
    }).catch(function (e) { $('health').textContent = 'Cannot read the dashboard: ' + e.message; }).then(function () {
      state.loading = false;
      if (state.again) { state.again = false; refresh(); }
    });
  }

  document.addEventListener('click', function (e) {
    var t = e.target;
    // The skip link's #main would read as a route and leave the view shown: move focus to the view instead.
    if (t.classList && t.classList.contains('skip')) { e.preventDefault(); $('h-' + state.view).focus(); return; }
    if (t.id === 'show-checkpoint') showCheckpoint();
    if (t.id === 'reload-history') { state.historyFor = null; refresh(); }
  });
  window.addEventListener('hashchange', function () { route(true); });
  route(false);
  var source = new EventSource('events');
  source.addEventListener('change', refresh);
  source.onopen = refresh;
  source.onerror = function () { $('health').textContent = 'Disconnected from the dashboard server: retrying\u2026'; };
})();
`;
