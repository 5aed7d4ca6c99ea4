/**
 * The inspector's page: connects to the server's `/ui` socket, receives the run list, the chosen
 * run's view and its drawing, and moves the highlight as snapshots arrive. Bundled at build time
 * into `dist/inspector-client.js` (and from the sources on demand), inlined into the page.
 */
import type { ServerMessage } from "../page-protocol.js";
import { Connection } from "./connection.js";
import { byId } from "./dom.js";
import { applyZoom, renderGraph, zoomBy } from "./graph.js";
import { renderList, renderStats } from "./run-list.js";
import { followLatest, goTo, renderPoint, renderRun } from "./run-view.js";
import { currentIndex, initialState, withToken, type Page } from "./state.js";

const params = new URLSearchParams(location.search);
const socketBase = `${location.protocol === "https:" ? "wss://" : "ws://"}${location.host}`;
let searchTimer: ReturnType<typeof setTimeout> | undefined;

const page: Page = {
  state: initialState(params.get("run")),
  token: params.get("token"),
  send: (message) => connection.send(message),
};

const connection = new Connection(socketBase + withToken(page, "/ui"), {
  open: () => {
    setConnection(true);
    if (page.state.selected) page.send({ type: "select", key: page.state.selected });
  },
  close: () => setConnection(false),
  message: (message) => receive(message),
});

/** Every message of the server, by type: a new type added to the protocol fails to compile here until handled. */
function receive(message: ServerMessage): void {
  const { state } = page;
  switch (message.type) {
    case "hello":
      state.limits = message.limits;
      state.hasStore = message.store;
      byId("snippet").textContent = snippet(socketBase + withToken(page, "/"));
      return;
    case "runs":
      state.live = message.live;
      state.liveTotal = message.liveTotal;
      state.stored = message.stored;
      state.storedNext = message.storedNext;
      state.stats = message.stats;
      renderStats(state);
      renderList(page);
      return;
    case "stored-page":
      if (message.query !== state.filter.trim()) return;
      state.found = [...(message.after === null ? [] : (state.found ?? [])), ...message.runs];
      state.foundNext = message.next;
      state.foundFor = message.query;
      renderList(page);
      return;
    case "run":
      if (message.view.summary.key !== state.selected && message.view.summary.runId !== state.selected) return;
      state.view = message.view;
      renderRun(page);
      return;
    case "graph":
    case "graph-error":
      state.graphs.set(message.id, message);
      renderGraph(page);
      return;
    case "point":
      if (!state.view || message.key !== state.view.summary.key || state.point !== message.detail.seq) return;
      state.pointDetail = message.detail;
      renderPoint(state);
      return;
    case "gone":
      if (message.key === state.selected) byId("run-notes").textContent = "this run is no longer held (evicted, or not found)";
      return;
    case "error":
      console.warn("inspector:", message.message);
      return;
    default:
      return unreachable(message);
  }
}

function unreachable(message: never): void {
  console.warn("inspector: unknown message", message);
}

/** How to report runs to this inspector, shown while no run is selected. */
function snippet(reportUrl: string): string {
  return [
    'import { createWebSocketInspector } from "@statelyai/inspect";',
    'import { stopReporter } from "orchestrix/inspector";',
    "",
    `const reporter = createWebSocketInspector({ url: ${JSON.stringify(reportUrl)} });`,
    "await flow.run(input, { inspect: reporter.inspect });",
    "// or: createActor(machine, { inspect: reporter.inspect })",
    "await stopReporter(reporter); // sends what is still queued, then closes",
  ].join("\n");
}

function setConnection(on: boolean): void {
  const element = byId("connection");
  element.textContent = on ? "connected" : "reconnecting…";
  element.className = `conn ${on ? "conn-on" : "conn-off"}`;
}

byId("filter", HTMLInputElement).addEventListener("input", (event) => {
  const { state } = page;
  state.filter = (event.currentTarget as HTMLInputElement).value;
  state.found = null;
  renderList(page);
  // The store is searched too (status:failed, flow:NAME, a flow name or a run id), not only the runs at hand.
  clearTimeout(searchTimer);
  const query = state.filter.trim();
  if (state.hasStore && query) searchTimer = setTimeout(() => page.send({ type: "stored", query }), 250);
});
byId("scrub", HTMLInputElement).addEventListener("input", (event) => goTo(page, Number((event.currentTarget as HTMLInputElement).value)));
byId("prev").addEventListener("click", () => goTo(page, currentIndex(page.state) - 1));
byId("next").addEventListener("click", () => goTo(page, currentIndex(page.state) + 1));
byId("live").addEventListener("click", () => followLatest(page));
byId("zoom-in").addEventListener("click", () => zoomBy(page.state, 1.25));
byId("zoom-out").addEventListener("click", () => zoomBy(page.state, 0.8));
byId("zoom-fit").addEventListener("click", () => {
  page.state.zoom = "fit";
  applyZoom(page.state);
});
window.addEventListener("resize", () => {
  if (page.state.zoom === "fit") applyZoom(page.state);
});
// "5 s ago" keeps counting; a running run's clock keeps going between updates.
setInterval(() => {
  if (page.state.live.length > 0 || page.state.stored.length > 0) renderList(page);
}, 5000);
setInterval(() => {
  const { view, point } = page.state;
  if (view && point === null && view.summary.status === "running") renderPoint(page.state);
}, 1000);
connection.connect();
