/**
 * The inspector's web page: plain HTML, CSS and a small hand-written client script (no build
 * step). The script talks to the server over the `/ui` WebSocket: it receives the run list, the
 * chosen run's view and its drawing, and moves the highlight as snapshots arrive. Everything the
 * page shows from runs goes through `textContent`; the only markup inserted is the server's SVG.
 */

/** The page, with `nonce` allowing its one inline script under the server's Content-Security-Policy. */
export function pageHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Orchestrix inspector</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header class="top">
  <div class="brand">Orchestrix <span>inspector</span></div>
  <div id="connection" class="conn conn-off" title="Connection to the inspector">connecting…</div>
  <div id="stats" class="stats"></div>
</header>
<main class="layout">
  <aside class="sidebar">
    <input id="filter" class="filter" type="search" placeholder="Filter runs (name, flow, status)" aria-label="Filter runs">
    <div id="run-list" class="run-list"></div>
  </aside>
  <section id="run" class="run">
    <div id="empty" class="empty">
      <h2>No run selected</h2>
      <p>Point any XState actor at this inspector and pick a run on the left:</p>
      <pre id="snippet" class="snippet"></pre>
    </div>
    <div id="run-view" class="run-view" hidden>
      <div class="run-head">
        <div class="run-title"><span id="run-machine" class="machine"></span><span id="run-name" class="name"></span></div>
        <div class="run-meta"><span id="run-status" class="badge"></span><span id="run-times"></span><span id="run-notes" class="notes"></span></div>
      </div>
      <div class="columns">
        <div class="graph-col card">
          <div class="toolbar">
            <div class="scrub">
              <button id="prev" type="button" title="Previous snapshot" aria-label="Previous snapshot">◀</button>
              <input id="scrub" type="range" min="0" max="0" value="0" aria-label="Snapshot">
              <button id="next" type="button" title="Next snapshot" aria-label="Next snapshot">▶</button>
              <button id="live" type="button" class="live-btn" title="Follow the latest snapshot">latest</button>
            </div>
            <div class="zoom">
              <button id="zoom-out" type="button" aria-label="Zoom out">−</button>
              <button id="zoom-fit" type="button">fit</button>
              <button id="zoom-in" type="button" aria-label="Zoom in">+</button>
              <a id="svg-link" class="svg-link" target="_blank" rel="noopener">SVG</a>
            </div>
            <div id="scrub-label" class="scrub-label"></div>
          </div>
          <div id="graph-note" class="graph-note" hidden></div>
          <div id="graph" class="graph"></div>
          <div class="legend">
            <span class="key k-current"></span>current <span class="key k-ok"></span>completed <span class="key k-fail"></span>failed
            <span class="key k-undone"></span>undone <span class="key k-undo-failed"></span>undo failed <span class="key k-skip"></span>skipped
            <span class="key k-retry"></span>retrying <span class="key k-comp"></span>compensating branch
          </div>
        </div>
        <div class="detail-col">
          <div class="card">
            <h3>Timeline</h3>
            <div id="timeline" class="timeline"></div>
          </div>
          <div class="card">
            <h3>Context</h3>
            <div id="context" class="context"></div>
          </div>
          <div class="card">
            <h3>Events <span id="events-note" class="muted"></span></h3>
            <div id="events" class="events"></div>
          </div>
        </div>
      </div>
    </div>
  </section>
</main>
<script nonce="${nonce}">${CLIENT_JS}</script>
</body>
</html>`;
}

const PAGE_CSS = String.raw`
:root { --bg:#f3f5f8; --card:#fff; --line:#dde2ea; --text:#1f2733; --muted:#6b7584; --blue:#2f6fdb; --amber:#e89a18;
  --red:#d2405a; --green:#2e9a5e; --gray:#6b7280; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 13px; color: var(--text); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); height: 100vh; display: flex; flex-direction: column; }
.top { display: flex; align-items: center; gap: 16px; padding: 0 16px; height: 46px; background: #17202c; color: #e8edf4; flex: none; }
.brand { font-weight: 700; font-size: 15px; letter-spacing: .2px; } .brand span { font-weight: 400; color: #9fb0c6; }
.conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; } .conn-on { background: #1f6f43; } .conn-off { background: #8a2c2c; }
.stats { margin-left: auto; display: flex; gap: 14px; font-size: 12px; color: #c2cedd; } .stats b { color: #fff; font-weight: 600; }
.stats .warn b { color: #ffc56b; }
.layout { flex: 1; display: grid; grid-template-columns: 300px 1fr; min-height: 0; }
.sidebar { border-right: 1px solid var(--line); background: #fbfcfd; display: flex; flex-direction: column; min-height: 0; }
.filter { margin: 10px; padding: 7px 9px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.run-list { overflow-y: auto; flex: 1; padding-bottom: 12px; }
.group-title { padding: 10px 12px 4px; font-size: 11px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); display: flex; justify-content: space-between; }
.run-item { padding: 7px 12px; border-left: 3px solid transparent; cursor: pointer; display: grid; grid-template-columns: 12px 1fr auto; gap: 2px 8px; align-items: center; }
.run-item:hover { background: #eef2f8; } .run-item.selected { background: #e3ecfb; border-left-color: var(--blue); }
.run-item .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--blue); }
.run-item .rname { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.run-item .rtime { color: var(--muted); font-size: 11px; }
.run-item .rsub { grid-column: 2 / 4; color: var(--muted); font-size: 11px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.s-running .dot { background: var(--blue); animation: pulse 1.2s infinite; } .s-completed .dot, .s-done .dot { background: var(--green); }
.s-failed .dot, .s-error .dot, .s-compensation_failed .dot { background: var(--red); } .s-cancelled .dot, .s-stopped .dot, .s-disconnected .dot { background: var(--gray); }
@keyframes pulse { 50% { opacity: .35; } }
.list-note { padding: 8px 12px; color: var(--muted); font-size: 12px; }
.more { margin: 8px 12px; padding: 5px 10px; border: 1px solid var(--line); background: #fff; border-radius: 5px; cursor: pointer; font: inherit; }
.run { min-width: 0; min-height: 0; overflow: auto; }
.empty { max-width: 640px; margin: 60px auto; color: var(--muted); } .empty h2 { color: var(--text); }
.snippet { background: #17202c; color: #dce6f3; padding: 12px; border-radius: 6px; overflow-x: auto; }
.run-view { padding: 14px 16px 24px; }
.run-head { display: flex; align-items: baseline; justify-content: space-between; gap: 16px; flex-wrap: wrap; margin-bottom: 12px; }
.run-title .machine { font-size: 17px; font-weight: 700; margin-right: 10px; } .run-title .name { color: var(--muted); font-family: ui-monospace, Menlo, monospace; }
.run-meta { display: flex; gap: 12px; align-items: center; color: var(--muted); flex-wrap: wrap; }
.notes { color: #9a5b00; }
.badge { padding: 2px 9px; border-radius: 10px; font-weight: 600; font-size: 12px; color: #fff; background: var(--blue); }
.b-completed, .b-done { background: var(--green); } .b-failed, .b-error, .b-compensation_failed { background: var(--red); }
.b-cancelled, .b-stopped, .b-disconnected, .b-pending { background: var(--gray); } .b-retrying { background: var(--amber); }
.columns { display: grid; grid-template-columns: minmax(380px, 1fr) minmax(420px, 1.1fr); gap: 14px; align-items: start; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 14px; }
.card h3 { margin: 0 0 10px; font-size: 13px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); }
.graph-col { position: sticky; top: 0; display: flex; flex-direction: column; max-height: calc(100vh - 120px); }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
.scrub { display: flex; align-items: center; gap: 4px; } .scrub input { width: 170px; }
.toolbar button { border: 1px solid var(--line); background: #fff; border-radius: 5px; padding: 3px 8px; cursor: pointer; font: inherit; }
.toolbar button:hover { background: #eef2f8; } .live-btn.on { background: var(--blue) !important; color: #fff; border-color: var(--blue) !important; }
.scrub-label { color: var(--muted); font-size: 12px; flex: 1 0 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.scrub-label b { color: var(--text); font-weight: 600; }
.zoom { display: flex; gap: 4px; align-items: center; margin-left: auto; } .svg-link { margin-left: 6px; color: var(--blue); text-decoration: none; font-size: 12px; }
.graph { overflow: auto; flex: 1; min-height: 200px; height: calc(100vh - 290px); padding-top: 8px; }
.graph svg { display: block; margin: 0 auto; }
.graph-note { margin-top: 8px; padding: 6px 8px; background: #fff7e6; border: 1px solid #f0d39b; border-radius: 6px; color: #7a4d00; font-size: 12px; }
.legend { padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.key { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-left: 6px; }
.k-retry { background: #fff7e6; border: 1px solid #e0a43a; } .k-comp { background: #fde8ec; border: 1px solid #e497a4; }
.k-ok { background: #d3f0de; border: 1px solid #2e9a5e; } .k-fail { background: #f8d0d0; border: 1px solid #c93c3c; }
.k-undone { background: #e6dcfa; border: 1px solid #7b4fc9; } .k-undo-failed { background: #f3c4d0; border: 1px dashed #97263b; }
.k-skip { background: #eceef1; border: 1px dashed #b4bac3; } .k-current { background: #cfe0fb !important; border: 2px solid #17202c; }
.timeline .axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; margin: 0 0 4px 170px; }
.tl-section { margin: 10px 0 4px; font-size: 11px; text-transform: uppercase; letter-spacing: .5px; color: var(--red); font-weight: 600; }
.tl-row { display: grid; grid-template-columns: 160px 1fr; gap: 4px 10px; padding: 6px 0; border-top: 1px solid #eef1f5; }
.tl-row:first-of-type { border-top: none; }
.tl-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tl-sub { display: flex; gap: 6px; align-items: center; margin-top: 3px; font-weight: 400; }
.tl-sub .badge { font-size: 10px; padding: 1px 6px; } .tl-attempts { color: var(--muted); font-size: 11px; }
.tl-track { position: relative; height: 16px; background: #f3f5f8; border-radius: 3px; align-self: center; }
.tl-attempt, .tl-wait { position: absolute; top: 2px; height: 12px; border-radius: 2px; min-width: 3px; }
.tl-attempt.ok { background: var(--green); } .tl-attempt.err { background: var(--red); } .tl-attempt.run { background: var(--blue); animation: pulse 1.2s infinite; }
.tl-attempt.cancel { background: var(--gray); }
.tl-wait { background: repeating-linear-gradient(45deg, #f7c873, #f7c873 3px, #fff1d6 3px, #fff1d6 6px); border: 1px solid #e0a43a; top: 3px; height: 10px; }
.tl-wait.pending { animation: pulse 1.2s infinite; }
.tl-comp .tl-attempt.ok { background: #b0506a; }
.tl-notes { grid-column: 2; font-size: 11px; color: var(--muted); line-height: 1.5; }
.tl-notes .err { color: #b3263f; } .tl-notes .wait { color: #9a5b00; white-space: nowrap; }
.muted { color: var(--muted); font-weight: 400; text-transform: none; letter-spacing: 0; }
.context h4 { margin: 8px 0 4px; font-size: 12px; color: var(--muted); }
.json { margin: 0; background: #f6f8fb; border: 1px solid #e6eaf0; border-radius: 6px; padding: 8px; font: 12px/1.45 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; max-height: 260px; overflow: auto; }
details summary { cursor: pointer; color: var(--muted); margin-top: 8px; font-size: 12px; }
.events { max-height: 300px; overflow: auto; font: 12px/1.5 ui-monospace, Menlo, Consolas, monospace; }
.ev { display: grid; grid-template-columns: 70px 22px minmax(60px, 140px) 1fr; gap: 6px; white-space: nowrap; }
.ev span { overflow: hidden; text-overflow: ellipsis; } .ev .t { color: var(--muted); } .ev .k { text-align: center; border-radius: 3px; font-size: 10px; }
.ev .k-a { background: #e6effc; color: #244f9e; } .ev .k-e { background: #f1f2f4; color: #444; } .ev .k-s { background: #e9f6ee; color: #1e6a3f; }
.drop-note { color: #9a5b00; padding: 2px 0 6px; font-family: system-ui, sans-serif; }
`;

/** The page's script. Plain ES2020, no template literals, so it can live in this string as written. */
const CLIENT_JS = String.raw`
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var token = params.get("token");
  var state = {
    live: [], liveTotal: 0, stored: [], stats: null, limits: null, hasStore: false,
    selected: params.get("run"), view: null, graphs: {}, shownGraph: null,
    point: null, pointDetail: null, zoom: "fit", filter: "", shownActive: null,
    storedNext: null, found: null, foundNext: null, foundFor: null
  };
  var searchTimer = null;
  var socket = null;
  var $ = function (id) { return document.getElementById(id); };

  function h(tag, props, children) {
    var el = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined) return;
      if (key === "text") el.textContent = String(value);
      else if (key === "class") el.className = value;
      else if (key.slice(0, 2) === "on") el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, String(value));
    });
    (children || []).forEach(function (child) { if (child) el.appendChild(typeof child === "string" ? document.createTextNode(child) : child); });
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  function duration(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "";
    // Non-breaking spaces keep a number with its unit when notes wrap.
    if (ms < 1000) return Math.round(ms) + "\u00a0ms";
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + "\u00a0s";
    return Math.floor(ms / 60000) + "\u00a0min " + Math.round((ms % 60000) / 1000) + "\u00a0s";
  }
  function clock(at) {
    var d = new Date(at);
    var pad = function (n, w) { n = String(n); while (n.length < (w || 2)) n = "0" + n; return n; };
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  function ago(at) {
    var s = Math.max(0, (Date.now() - at) / 1000);
    if (s < 60) return Math.round(s) + " s ago";
    if (s < 3600) return Math.round(s / 60) + " min ago";
    return Math.round(s / 3600) + " h ago";
  }
  function bytes(n) { return n >= 1048576 ? Math.round(n / 1048576) + "\u00a0MiB" : Math.round(n / 1024) + "\u00a0KiB"; }
  function withToken(path) { return token ? path + (path.indexOf("?") < 0 ? "?" : "&") + "token=" + encodeURIComponent(token) : path; }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + withToken("/ui");
    socket = new WebSocket(url);
    socket.onopen = function () {
      setConnection(true);
      if (state.selected) send({ type: "select", key: state.selected });
    };
    socket.onclose = function () { setConnection(false); setTimeout(connect, 1000); };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      var handler = handlers[data.type];
      if (handler) handler(data);
    };
  }
  function send(message) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(message)); }
  function setConnection(on) {
    var el = $("connection");
    el.textContent = on ? "connected" : "reconnecting…";
    el.className = "conn " + (on ? "conn-on" : "conn-off");
  }

  var handlers = {
    hello: function (data) {
      state.limits = data.limits; state.hasStore = data.store;
      var reportUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + withToken("/");
      $("snippet").textContent = "import { createWebSocketInspector } from \"@statelyai/inspect\";\n" +
        "import { stopReporter } from \"orchestrix/inspector\";\n\n" +
        "const reporter = createWebSocketInspector({ url: \"" + reportUrl + "\" });\n" +
        "await flow.run(input, { inspect: reporter.inspect });\n// or: createActor(machine, { inspect: reporter.inspect })\n" +
        "await stopReporter(reporter); // sends what is still queued, then closes";
    },
    runs: function (data) { state.live = data.live; state.liveTotal = data.liveTotal; state.stored = data.stored; state.storedNext = data.storedNext; state.stats = data.stats; renderStats(); renderList(); },
    "stored-page": function (data) {
      if (data.query !== state.filter.trim()) return;
      state.found = (data.after === null ? [] : state.found || []).concat(data.runs);
      state.foundNext = data.next; state.foundFor = data.query;
      renderList();
    },
    run: function (data) {
      if (data.view.summary.key !== state.selected && data.view.summary.runId !== state.selected) return;
      state.view = data.view;
      renderRun();
    },
    graph: function (data) { state.graphs[data.id] = data; renderGraph(); },
    point: function (data) {
      if (!state.view || data.key !== state.view.summary.key || state.point !== data.detail.seq) return;
      state.pointDetail = data.detail;
      renderPoint();
    },
    gone: function (data) {
      if (data.key !== state.selected) return;
      $("run-notes").textContent = "this run is no longer held (evicted, or not found)";
    },
    error: function (data) { console.warn("inspector:", data.message); }
  };

  function renderStats() {
    var s = state.stats; if (!s) return;
    var el = clear($("stats"));
    var item = function (id, label, value, warn) {
      el.appendChild(h("span", { id: id, class: warn && value > 0 ? "warn" : "" }, [h("b", { text: value.toLocaleString() }), " " + label]));
    };
    item("stat-runs", "live runs", s.runs);
    item("stat-received", "events received", s.received);
    item("stat-dropped", "older events dropped", s.droppedEvents, true);
    item("stat-evicted", "old runs evicted", s.evictedRuns, true);
    item("stat-reporters", s.reporters === 1 ? "reporter" : "reporters", s.reporters);
    if (s.storeError) el.appendChild(h("span", { class: "warn", title: s.storeError }, [h("b", { text: "store error" })]));
  }

  function matches(run) {
    var f = state.filter.toLowerCase();
    return !f || (run.name + " " + run.machine + " " + run.status + " " + (run.state || "")).toLowerCase().indexOf(f) >= 0;
  }
  function renderList() {
    var list = clear($("run-list"));
    var live = state.live.filter(matches);
    var stored = state.stored.filter(matches);
    var total = Math.max(state.liveTotal || 0, state.live.length);
    list.appendChild(h("div", { class: "group-title" }, [h("span", { text: "Live" }), h("span", { text: state.filter ? live.length + " of " + total : String(total) })]));
    if (live.length === 0) list.appendChild(h("div", { class: "list-note", text: state.live.length ? "No run matches the filter." : "No runs reported yet." }));
    live.forEach(function (run) { list.appendChild(runItem(run)); });
    if (total > state.live.length) list.appendChild(h("div", { class: "list-note", text: (total - state.live.length).toLocaleString() + " older runs not listed (newest " + state.live.length + " shown)" }));
    if (state.hasStore) {
      // Beyond the newest runs the server holds, the store itself is searched and paged.
      var searching = state.found !== null && state.foundFor === state.filter.trim();
      var seen = {};
      var shown = (searching ? stored.concat(state.found) : stored).filter(function (run) { if (seen[run.key]) return false; seen[run.key] = true; return true; });
      var next = searching ? state.foundNext : (state.filter ? null : state.storedNext);
      list.appendChild(h("div", { class: "group-title" }, [h("span", { text: searching ? "Stored · search" : "Stored" }), h("span", { text: shown.length + (next ? "+" : "") })]));
      if (shown.length === 0) list.appendChild(h("div", { class: "list-note", text: state.filter ? "No stored run matches." : "No stored runs." }));
      shown.forEach(function (run) { list.appendChild(runItem(run)); });
      if (next) list.appendChild(h("button", { id: "stored-more", class: "more", type: "button", text: "more stored runs", onclick: function () { send({ type: "stored", query: state.filter.trim(), after: next }); } }));
    }
  }
  function runItem(run) {
    var selected = run.key === state.selected || (run.runId && run.runId === state.selected);
    return h("div", {
      class: "run-item s-" + run.status + (selected ? " selected" : ""), "data-key": run.key, "data-name": run.name, "data-status": run.status,
      title: run.machine + " / " + run.name,
      onclick: function () { select(run.key); }
    }, [
      h("span", { class: "dot" }),
      h("span", { class: "rname", text: run.name }),
      h("span", { class: "rtime", text: ago(run.updatedAt) }),
      h("span", { class: "rsub", text: run.machine + " · " + run.status + (run.state && run.state !== run.status ? " · " + run.state : "") })
    ]);
  }

  function select(key) {
    state.selected = key; state.view = null; state.point = null; state.pointDetail = null;
    var url = new URL(location.href); url.searchParams.set("run", key); history.replaceState(null, "", url);
    send({ type: "select", key: key });
    renderList();
  }

  function renderRun() {
    var view = state.view;
    $("empty").hidden = !!view; $("run-view").hidden = !view;
    if (!view) return;
    var s = view.summary;
    $("run-machine").textContent = s.machine;
    $("run-name").textContent = s.name;
    var badge = $("run-status"); badge.textContent = s.status; badge.className = "badge b-" + s.status;
    var end = s.endedAt || (s.status === "running" ? Date.now() : s.updatedAt);
    $("run-times").textContent = "started " + clock(s.startedAt) + " · " + duration(end - s.startedAt) + (s.source === "stored" ? " · from the store" : view.stored ? " · also stored" : "");
    $("run-notes").textContent = s.truncated
      ? "truncated: over its " + bytes(state.limits ? state.limits.maxBytesPerRun : 0) + " limit, " + view.droppedEvents.toLocaleString() + " older events dropped"
      : view.droppedEvents > 0 ? view.droppedEvents.toLocaleString() + " older events dropped" : "";
    $("svg-link").href = withToken("/api/runs/" + encodeURIComponent(s.key) + "/graph.svg");
    if (state.point !== null && !view.snapshots.some(function (p) { return p.seq === state.point; })) state.point = null;
    renderScrubber();
    renderGraph();
    renderPoint();
    renderEvents();
  }

  function currentIndex() {
    var snaps = state.view.snapshots;
    if (state.point === null) return snaps.length - 1;
    for (var i = 0; i < snaps.length; i++) if (snaps[i].seq === state.point) return i;
    return snaps.length - 1;
  }
  function renderScrubber() {
    var snaps = state.view.snapshots, index = currentIndex();
    var range = $("scrub");
    range.max = String(Math.max(0, snaps.length - 1)); range.value = String(Math.max(0, index));
    range.disabled = snaps.length < 2;
    $("live").className = "live-btn" + (state.point === null ? " on" : "");
    var p = snaps[index], label = clear($("scrub-label"));
    if (!p) { label.textContent = "no snapshot yet"; return; }
    var machine = state.view.summary.machine + ".";
    var leaves = p.active.filter(function (id) { return !p.active.some(function (other) { return other.indexOf(id + ".") === 0; }); });
    label.appendChild(h("b", { text: leaves.map(function (id) { return id.indexOf(machine) === 0 ? id.slice(machine.length) : id; }).join(", ") }));
    label.appendChild(document.createTextNode("  ·  snapshot " + (index + 1) + " of " + snaps.length + " · after " + (p.event || "start") + " · " + clock(p.at)));
    label.title = label.textContent;
  }
  function goTo(index) {
    var snaps = state.view ? state.view.snapshots : [];
    if (snaps.length === 0) return;
    index = Math.max(0, Math.min(snaps.length - 1, index));
    if (index === snaps.length - 1 && state.view.summary.source === "live" && state.view.summary.status === "running") { state.point = null; }
    else state.point = snaps[index].seq;
    state.pointDetail = null;
    if (state.point !== null && !(state.view.latest && state.view.latest.seq === state.point)) send({ type: "point", key: state.view.summary.key, seq: state.point });
    renderScrubber(); renderGraph(); renderPoint();
  }

  function activeIds() {
    var view = state.view; if (!view) return [];
    var snaps = view.snapshots, index = currentIndex();
    if (snaps[index]) return snaps[index].active;
    return view.latest ? view.latest.active : [];
  }
  function renderGraph() {
    var view = state.view, box = $("graph"), note = $("graph-note");
    if (!view) return;
    if (!view.graph) {
      clear(box); state.shownGraph = null; note.hidden = false;
      note.textContent = "No machine definition is known for this run. Start the inspector with the module that defines its flow (orchestrix inspect --module ./flows.ts, or startInspector({ flows: [flow] })), or run the flow once while the inspector is open.";
      return;
    }
    var graph = state.graphs[view.graph.id];
    if (!graph) { if (state.shownGraph !== "pending:" + view.graph.id) { clear(box).appendChild(h("div", { class: "muted", text: "Laying out the machine…" })); state.shownGraph = "pending:" + view.graph.id; } return; }
    if (graph.error) { clear(box); note.hidden = false; note.textContent = "Could not lay out the machine: " + graph.error; return; }
    if (state.shownGraph !== graph.id) {
      box.innerHTML = graph.svg;
      state.shownGraph = graph.id;
      state.shownActive = null;
      applyZoom();
    }
    note.hidden = !(graph.truncated > 0);
    if (graph.truncated > 0) note.textContent = graph.truncated + " transition(s) are not drawn: the reporter cut the definition short (raise serializationDepthLimit in createWebSocketInspector, or pass { flows } to the inspector).";
    var ids = activeIds(), active = {}, marks = currentMarks();
    ids.forEach(function (id) { active[id] = true; });
    box.querySelectorAll("[data-state]").forEach(function (g) {
      var id = g.getAttribute("data-state"), on = !!active[id];
      g.classList.toggle("ox-active", on);
      g.classList.toggle("ox-current", on && g.hasAttribute("data-leaf"));
      MARKS.forEach(function (mark) { g.classList.toggle("ox-mark-" + mark, marks[id] === mark); });
    });
    var key = graph.id + "|" + ids.join(",");
    if (state.shownActive !== key) { state.shownActive = key; revealCurrent(); }
  }
  var MARKS = ["completed", "failed", "compensated", "compensation_failed", "skipped", "cancelled", "visited"];
  function currentMarks() {
    var view = state.view; if (!view) return {};
    var detail = state.point === null ? view.latest : (state.pointDetail || (view.latest && view.latest.seq === state.point ? view.latest : null));
    return (detail && detail.marks) || {};
  }
  /** Centres the view on the current state (the innermost active one). */
  function revealCurrent() {
    var box = $("graph"), target = box.querySelector(".ox-current") || box.querySelector(".ox-active:not(.ox-root)");
    if (!target) return;
    var r = target.getBoundingClientRect(), c = box.getBoundingClientRect();
    box.scrollTop += r.top - c.top - (c.height - r.height) / 2;
    box.scrollLeft += r.left - c.left - (c.width - r.width) / 2;
  }
  function applyZoom() {
    var box = $("graph"), svg = box.querySelector("svg"); if (!svg) return;
    var width = Number(svg.getAttribute("width")), height = Number(svg.getAttribute("height"));
    // "fit" shows the whole machine: it shrinks it to the panel in both dimensions, never enlarges it.
    var scale = state.zoom === "fit"
      ? Math.min(1, (box.clientWidth - 4) / width, (box.clientHeight - 12) / height)
      : state.zoom;
    svg.style.width = Math.max(1, Math.round(width * scale)) + "px";
    svg.style.height = Math.max(1, Math.round(height * scale)) + "px";
    revealCurrent();
  }
  function zoomBy(factor) {
    var svg = $("graph").querySelector("svg"); if (!svg) return;
    var current = svg.getBoundingClientRect().width / Number(svg.getAttribute("width"));
    state.zoom = Math.max(0.2, Math.min(3, current * factor));
    applyZoom();
  }

  function renderPoint() {
    var view = state.view; if (!view) return;
    var detail = state.point === null ? view.latest : (state.pointDetail || (view.latest && view.latest.seq === state.point ? view.latest : null));
    var timeline = clear($("timeline")), context = clear($("context"));
    if (!detail) { timeline.appendChild(h("div", { class: "muted", text: "Loading…" })); return; }
    renderTimeline(timeline, detail.timeline, view.summary, pointTime());
    renderContext(context, detail.context);
  }

  /** The time a point stands for: now while following a running run, else the snapshot's own time. */
  function pointTime() {
    var view = state.view, snaps = view.snapshots, p = snaps[currentIndex()];
    if (state.point === null && view.summary.source === "live" && view.summary.status === "running") return Date.now();
    return p ? p.at : view.summary.updatedAt;
  }
  function renderTimeline(el, tl, summary, now) {
    if (!tl) { el.appendChild(h("div", { class: "muted", text: "No step timeline: this actor is not an Orchestrix run." })); return; }
    var start = tl.startedAt || summary.startedAt;
    var end = tl.endedAt || 0;
    tl.rows.forEach(function (row) {
      row.attempts.forEach(function (a) { end = Math.max(end, a.endedAt || now); });
      row.waits.forEach(function (w) { end = Math.max(end, w.until); });
    });
    end = Math.max(end, start + 1);
    var span = end - start;
    el.appendChild(h("div", { class: "axis" }, [h("span", { text: "0" }), h("span", { text: duration(span) })]));
    var pct = function (t) { return Math.max(0, Math.min(100, ((t - start) / span) * 100)); };
    var steps = tl.rows.filter(function (r) { return r.kind === "step"; });
    var comps = tl.rows.filter(function (r) { return r.kind === "compensation"; });
    steps.forEach(function (row) { el.appendChild(timelineRow(row, pct, tl, now)); });
    if (comps.length) {
      el.appendChild(h("div", { class: "tl-section", text: "Compensations" }));
      comps.forEach(function (row) { el.appendChild(timelineRow(row, pct, tl, now)); });
    }
  }
  function timelineRow(row, pct, tl, now) {
    var track = h("div", { class: "tl-track" });
    row.waits.forEach(function (w) {
      var left = pct(w.from), right = pct(w.until);
      track.appendChild(h("span", { class: "tl-wait" + (w.pending ? " pending" : ""), title: "retry wait " + duration(w.until - w.from), style: "left:" + left + "%;width:" + Math.max(0.4, right - left) + "%" }));
    });
    row.attempts.forEach(function (a, i) {
      var last = i === row.attempts.length - 1;
      var kind = a.error ? "err" : a.endedAt === null ? (row.status === "cancelled" ? "cancel" : "run") : (last && row.status === "cancelled" ? "cancel" : "ok");
      var left = pct(a.startedAt), right = pct(a.endedAt || now);
      track.appendChild(h("span", { class: "tl-attempt " + kind, title: "attempt " + a.number + ": " + duration((a.endedAt || now) - a.startedAt) + (a.error ? " — " + a.error : ""), style: "left:" + left + "%;width:" + Math.max(0.4, right - left) + "%" }));
    });
    var notes = h("div", { class: "tl-notes" });
    row.attempts.forEach(function (a, i) {
      var line = h("div", null, ["#" + a.number + " " + (a.endedAt === null ? "running…" : duration(a.endedAt - a.startedAt))]);
      if (a.error) line.appendChild(h("span", { class: "err", text: " ✗ " + a.error }));
      else if (a.endedAt !== null) line.appendChild(document.createTextNode(row.status === "cancelled" && i === row.attempts.length - 1 ? " (cancelled)" : " ✓"));
      var wait = row.waits[i];
      if (wait) line.appendChild(h("span", { class: "wait", text: " · " + (wait.pending ? "retrying at " + clock(wait.until) + " (waits " + duration(wait.until - wait.from) + ")" : "waited " + duration(wait.until - wait.from)) }));
      notes.appendChild(line);
    });
    var n = row.attempts.length;
    var name = h("div", { class: "tl-name", title: row.name }, [
      row.name,
      h("div", { class: "tl-sub" }, [
        h("span", { class: "badge b-" + row.status, text: row.status }),
        h("span", { class: "tl-attempts", text: n + (n === 1 ? " attempt" : " attempts") })
      ])
    ]);
    return h("div", { class: "tl-row" + (row.kind === "compensation" ? " tl-comp" : "") + (tl.failedStep === row.name ? " tl-failed" : ""), "data-step": row.name, "data-kind": row.kind, "data-attempts": n }, [name, track, n ? notes : null]);
  }

  /** An error record as people read it: "Name: message", then its stack as lines of text. */
  function errorText(error) {
    if (!error || typeof error !== "object") return h("pre", { class: "json", text: String(error) });
    var head = (error.name && error.name !== "Error" ? error.name + ": " : "") + (error.message || "");
    var stack = typeof error.stack === "string" ? error.stack : "";
    var rest = Object.keys(error).filter(function (k) { return k !== "name" && k !== "message" && k !== "stack" && error[k] !== null && error[k] !== undefined; });
    var extra = rest.length ? "\n" + rest.map(function (k) { return k + ": " + JSON.stringify(error[k]); }).join("\n") : "";
    // A stack starts with "Name: message" already.
    var text = stack && error.message && stack.indexOf(error.message) >= 0 ? stack : head + (stack ? "\n" + stack : "");
    return h("pre", { class: "json err-text", text: text + extra });
  }
  function renderContext(el, context) {
    var json = function (value) { return h("pre", { class: "json", text: JSON.stringify(value, null, 2) }); };
    if (context && typeof context === "object" && "input" in context && "outputs" in context) {
      el.appendChild(h("h4", { text: "input" })); el.appendChild(json(context.input));
      el.appendChild(h("h4", { text: "data (ctx.set)" })); el.appendChild(json(context.data));
      el.appendChild(h("h4", { text: "outputs" })); el.appendChild(json(context.outputs));
      if (context.error) { el.appendChild(h("h4", { text: "error" })); el.appendChild(errorText(context.error)); }
      el.appendChild(h("details", null, [h("summary", { text: "full context" }), json(context)]));
    } else {
      el.appendChild(json(context === undefined ? null : context));
    }
  }

  function renderEvents() {
    var view = state.view, el = clear($("events"));
    var events = view.events;
    $("events-note").textContent = view.summary.source === "stored" ? "(not kept for stored runs)" : "(" + events.length + " held" + (state.limits ? ", up to " + state.limits.maxEventsPerRun : "") + ")";
    if (view.droppedEvents > 0) el.appendChild(h("div", { class: "drop-note", text: view.droppedEvents.toLocaleString() + " older events dropped" }));
    var start = view.summary.startedAt;
    var kinds = { "@xstate.actor": ["a", "actor"], "@xstate.event": ["e", "event"], "@xstate.snapshot": ["s", "snapshot"] };
    events.slice(-400).reverse().forEach(function (e) {
      var k = kinds[e.type] || ["e", e.type];
      el.appendChild(h("div", { class: "ev", title: e.type + " · " + e.sessionId + " · " + clock(e.at) }, [
        h("span", { class: "t", text: "+" + duration(e.at - start) }),
        h("span", { class: "k k-" + k[0], text: k[0].toUpperCase() }),
        h("span", { text: e.actor }),
        h("span", { text: e.label })
      ]));
    });
  }

  $("filter").addEventListener("input", function (e) {
    state.filter = e.target.value; state.found = null; renderList();
    // The store is searched too (status:failed, flow:NAME, a flow name or a run id), not only the runs at hand.
    clearTimeout(searchTimer);
    if (state.hasStore && state.filter.trim()) searchTimer = setTimeout(function () { send({ type: "stored", query: state.filter.trim() }); }, 250);
  });
  $("scrub").addEventListener("input", function (e) { goTo(Number(e.target.value)); });
  $("prev").addEventListener("click", function () { goTo(currentIndex() - 1); });
  $("next").addEventListener("click", function () { goTo(currentIndex() + 1); });
  $("live").addEventListener("click", function () { state.point = null; state.pointDetail = null; renderScrubber(); renderGraph(); renderPoint(); });
  $("zoom-in").addEventListener("click", function () { zoomBy(1.25); });
  $("zoom-out").addEventListener("click", function () { zoomBy(0.8); });
  $("zoom-fit").addEventListener("click", function () { state.zoom = "fit"; applyZoom(); });
  window.addEventListener("resize", function () { if (state.zoom === "fit") applyZoom(); });
  setInterval(function () { if (state.live.length || state.stored.length) renderList(); }, 5000);
  // A running run's clock keeps going between updates.
  setInterval(function () { if (state.view && state.point === null && state.view.summary.status === "running") { renderPoint(); } }, 1000);
  connect();
})();
`;
