/**
 * The inspector's web page: its HTML and CSS, with the script of `client/` (bundled) inlined, so
 * the page loads nothing else. The script talks to the server over the `/ui` WebSocket. Everything
 * the page shows from runs goes through `textContent`; the only markup inserted is the server's SVG.
 */
import { PAGE_CSS } from "./page-style.js";

/** The page, with `nonce` allowing its one inline script (`script`, the bundled client) under the server's Content-Security-Policy. */
export function pageHtml(nonce: string, script: string): string {
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
            <span><span class="key k-current"></span>current</span> <span><span class="key k-ok"></span>completed</span>
            <span><span class="key k-fail"></span>failed</span> <span><span class="key k-undone"></span>undone</span>
            <span><span class="key k-undo-failed"></span>undo failed</span> <span><span class="key k-skip"></span>skipped</span>
            <span><span class="key k-retry"></span>retrying</span> <span><span class="key k-wait"></span>waiting (signal, sleep)</span>
            <span><span class="key k-comp"></span>compensating branch</span>
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
<script nonce="${nonce}">${script}</script>
</body>
</html>`;
}
