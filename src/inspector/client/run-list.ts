/** The sidebar and the header's counters: live runs, stored runs (searched and paged in the store), and picking one. */
import type { RunSummary } from "../views.js";
import { byId, clear, h } from "./dom.js";
import { ago } from "./format.js";
import type { Page, PageState } from "./state.js";

/** Draws the counters in the header. */
export function renderStats(state: PageState): void {
  const stats = state.stats;
  if (!stats) return;
  const element = clear(byId("stats"));
  const item = (id: string, label: string, value: number, warn = false) =>
    element.append(h("span", { id, class: warn && value > 0 ? "warn" : "" }, [h("b", { text: value.toLocaleString() }), ` ${label}`]));
  item("stat-runs", "live runs", stats.runs);
  item("stat-received", "events received", stats.received);
  item("stat-dropped", "older events dropped", stats.droppedEvents, true);
  item("stat-evicted", "old runs evicted", stats.evictedRuns, true);
  item("stat-reporters", stats.reporters === 1 ? "reporter" : "reporters", stats.reporters);
  if (stats.storeError) element.append(h("span", { class: "warn", title: stats.storeError }, [h("b", { text: "store error" })]));
}

/** Draws the run list: live runs, then stored ones (with the store's search results and a "more" button). */
export function renderList(page: Page): void {
  const { state } = page;
  const list = clear(byId("run-list"));
  const matches = matcher(state.filter);
  const live = state.live.filter(matches);
  const total = Math.max(state.liveTotal, state.live.length);
  list.append(group("Live", state.filter ? `${live.length} of ${total}` : String(total)));
  if (live.length === 0) list.append(note(state.live.length > 0 ? "No run matches the filter." : "No runs reported yet."));
  for (const run of live) list.append(runItem(page, run));
  if (total > state.live.length) list.append(note(`${(total - state.live.length).toLocaleString()} older runs not listed (newest ${state.live.length} shown)`));
  if (!state.hasStore) return;
  // Beyond the newest runs the server holds, the store itself is searched and paged.
  const query = state.filter.trim();
  const searching = state.found !== null && state.foundFor === query;
  const seen = new Set<string>();
  const shown = [...state.stored.filter(matches), ...(searching ? (state.found ?? []) : [])].filter((run) => !seen.has(run.key) && !!seen.add(run.key));
  const next = searching ? state.foundNext : state.filter ? null : state.storedNext;
  list.append(group(searching ? "Stored · search" : "Stored", `${shown.length}${next ? "+" : ""}`));
  if (shown.length === 0) list.append(note(state.filter ? "No stored run matches." : "No stored runs."));
  for (const run of shown) list.append(runItem(page, run));
  if (next) {
    list.append(
      h("button", { id: "stored-more", class: "more", type: "button", text: "more stored runs", onclick: () => page.send({ type: "stored", query, after: next }) }),
    );
  }
}

/** Shows the run with this key, and remembers it in the address (`?run=`). */
export function select(page: Page, key: string): void {
  const { state } = page;
  state.selected = key;
  state.view = null;
  state.point = null;
  state.pointDetail = null;
  const url = new URL(location.href);
  url.searchParams.set("run", key);
  history.replaceState(null, "", url);
  page.send({ type: "select", key });
  renderList(page);
}

function matcher(filter: string): (run: RunSummary) => boolean {
  const wanted = filter.toLowerCase();
  return (run) => !wanted || `${run.name} ${run.machine} ${run.status} ${run.state ?? ""}`.toLowerCase().includes(wanted);
}

function group(title: string, count: string): HTMLElement {
  return h("div", { class: "group-title" }, [h("span", { text: title }), h("span", { text: count })]);
}

function note(text: string): HTMLElement {
  return h("div", { class: "list-note", text });
}

function runItem(page: Page, run: RunSummary): HTMLElement {
  const { selected } = page.state;
  const isSelected = run.key === selected || (run.runId !== null && run.runId === selected);
  // The status once: the state only when it says more (a step, not the final state of the same name).
  const sub = `${run.machine} · ${run.status}${run.state && run.state !== run.status ? ` · ${run.state}` : ""}`;
  return h(
    "div",
    {
      class: `run-item s-${run.status}${isSelected ? " selected" : ""}`,
      "data-key": run.key,
      "data-name": run.name,
      "data-status": run.status,
      title: `${run.machine} / ${run.name}`,
      onclick: () => select(page, run.key),
    },
    [h("span", { class: "dot" }), h("span", { class: "rname", text: run.name }), h("span", { class: "rtime", text: ago(run.updatedAt) }), h("span", { class: "rsub", text: sub })],
  );
}
