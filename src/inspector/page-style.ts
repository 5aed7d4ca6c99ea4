/** The inspector page's style sheet (inlined in the page: the page loads nothing else). */
export const PAGE_CSS = String.raw`
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
.b-cancelled, .b-stopped, .b-disconnected, .b-pending, .b-skipped { background: var(--gray); } .b-retrying { background: var(--amber); } .b-waiting { background: #2a9fb0; }
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
.legend { padding-top: 8px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11px; display: flex; gap: 4px 12px; align-items: center; flex-wrap: wrap; }
.legend > span { white-space: nowrap; }
.key { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 4px; vertical-align: -1px; }
.k-retry { background: #fff7e6; border: 1px solid #e0a43a; } .k-wait { background: #bfe8ee; border: 1px dashed #167c8c; } .k-comp { background: #fde8ec; border: 1px solid #e497a4; }
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
.tl-attempt.waiting { background: repeating-linear-gradient(90deg, #2a9fb0, #2a9fb0 4px, #bfe8ee 4px, #bfe8ee 8px); animation: pulse 1.2s infinite; }
.tl-pause { color: #167c8c; }
.tl-signal { font-size: 12px; color: #167c8c; padding: 2px 0 2px 8px; }
.tl-section.tl-signals { color: #167c8c; }
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
