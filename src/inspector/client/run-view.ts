/** The selected run: its header, the snapshot scrubber, and the graph, timeline, context and events of the snapshot looked at. */
import { renderContext } from "./context.js";
import { byId, clear, h } from "./dom.js";
import { renderEvents } from "./events.js";
import { bytes, clock, duration } from "./format.js";
import { renderGraph } from "./graph.js";
import { currentDetail, currentIndex, withToken, type Page, type PageState } from "./state.js";
import { renderTimeline } from "./timeline.js";
import type { RunView } from "../views.js";

/** Draws the whole selected run (after it arrived or changed). */
export function renderRun(page: Page): void {
  const { state } = page;
  const { view } = state;
  byId("empty").hidden = view !== null;
  byId("run-view").hidden = view === null;
  if (!view) return;
  const s = view.summary;
  byId("run-machine").textContent = s.machine;
  byId("run-name").textContent = s.name;
  const badge = byId("run-status");
  badge.textContent = s.status;
  badge.className = `badge b-${s.status}`;
  const end = s.endedAt ?? (s.status === "running" ? Date.now() : s.updatedAt);
  const where = s.source === "stored" ? " · from the store" : view.stored ? " · also stored" : "";
  byId("run-times").textContent = `started ${clock(s.startedAt)} · ${duration(end - s.startedAt)}${where}`;
  const dropped = view.droppedEvents.toLocaleString();
  byId("run-notes").textContent = s.truncated
    ? `truncated: over its ${bytes(state.limits?.maxBytesPerRun ?? 0)} limit, ${dropped} older events dropped`
    : view.droppedEvents > 0
      ? `${dropped} older events dropped`
      : "";
  byId("svg-link", HTMLAnchorElement).href = withToken(page, `/api/runs/${encodeURIComponent(s.key)}/graph.svg`);
  if (state.point !== null && !view.snapshots.some((point) => point.seq === state.point)) state.point = null;
  renderScrubber(state);
  renderGraph(page);
  renderPoint(state);
  renderEvents(state, view);
}

/** Goes to the snapshot at `index` (clamped), asking the server for its detail when it is not the latest. */
export function goTo(page: Page, index: number): void {
  const { state } = page;
  const { view } = state;
  const snapshots = view?.snapshots ?? [];
  if (!view || snapshots.length === 0) return;
  const at = Math.max(0, Math.min(snapshots.length - 1, index));
  const following = at === snapshots.length - 1 && view.summary.source === "live" && view.summary.status === "running";
  state.point = following ? null : snapshots[at]!.seq;
  state.pointDetail = null;
  if (state.point !== null && view.latest?.seq !== state.point) page.send({ type: "point", key: view.summary.key, seq: state.point });
  showPoint(page);
}

/** Follows the latest snapshot again. */
export function followLatest(page: Page): void {
  page.state.point = null;
  page.state.pointDetail = null;
  showPoint(page);
}

/** Redraws what depends on the snapshot looked at. */
export function showPoint(page: Page): void {
  renderScrubber(page.state);
  renderGraph(page);
  renderPoint(page.state);
}

function renderScrubber(state: PageState): void {
  const snapshots = state.view?.snapshots ?? [];
  const index = currentIndex(state);
  const range = byId("scrub", HTMLInputElement);
  range.max = String(Math.max(0, snapshots.length - 1));
  range.value = String(Math.max(0, index));
  range.disabled = snapshots.length < 2;
  byId("live").className = `live-btn${state.point === null ? " on" : ""}`;
  const point = snapshots[index];
  const label = clear(byId("scrub-label"));
  if (!state.view || !point) {
    label.textContent = "no snapshot yet";
    return;
  }
  const machine = `${state.view.summary.machine}.`;
  const leaves = point.active.filter((id) => !point.active.some((other) => other.startsWith(`${id}.`)));
  label.append(h("b", { text: leaves.map((id) => (id.startsWith(machine) ? id.slice(machine.length) : id)).join(", ") }));
  label.append(`  ·  snapshot ${index + 1} of ${snapshots.length} · after ${point.event || "start"} · ${clock(point.at)}`);
  label.title = label.textContent ?? "";
}

/** Draws the timeline and context of the snapshot looked at. */
export function renderPoint(state: PageState): void {
  const { view } = state;
  if (!view) return;
  const detail = currentDetail(state);
  const timeline = clear(byId("timeline"));
  const context = clear(byId("context"));
  if (!detail) {
    timeline.append(h("div", { class: "muted", text: "Loading…" }));
    return;
  }
  renderTimeline(timeline, detail.timeline, view.summary, pointTime(state, view));
  renderContext(context, detail.context);
}

/** The time a point stands for: now while following a running run, else the snapshot's own time. */
function pointTime(state: PageState, view: RunView): number {
  if (state.point === null && view.summary.source === "live" && view.summary.status === "running") return Date.now();
  return view.snapshots[currentIndex(state)]?.at ?? view.summary.updatedAt;
}
