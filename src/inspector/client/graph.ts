/**
 * The graph panel: the server's SVG of the run's machine, with the active states and the path the
 * run took set as classes on its states, zoom, and "fit" (the whole graph in the panel).
 */
import type { StateMark } from "../../graph/path.js";
import { byId, clear, h } from "./dom.js";
import { currentDetail, currentIndex, type Page, type PageState } from "./state.js";

/** Every mark, as a record so that a new mark added to {@link StateMark} must be added here too. */
const MARKS: Record<StateMark, true> = {
  completed: true,
  failed: true,
  compensated: true,
  compensation_failed: true,
  skipped: true,
  cancelled: true,
  waiting: true,
  visited: true,
};
const MARK_NAMES = Object.keys(MARKS) as StateMark[];

/** What to do when no definition draws a run of `machine`: the CLI's way first, then the API's. */
const noDefinition = (machine: string) =>
  `No machine definition is known for flow "${machine}". Start the inspector with the module that defines it ` +
  "(orchestrix inspect --store … --module ./flows.ts; in code, startInspector({ flows: [flow] })), " +
  "or run the flow once while the inspector is open.";

/** Draws the selected run's graph (once per definition) and marks its states for the snapshot looked at. */
export function renderGraph(page: Page): void {
  const { state } = page;
  const { view } = state;
  const box = byId("graph");
  const note = byId("graph-note");
  if (!view) return;
  if (!view.graph) {
    clear(box);
    state.shownGraph = null;
    note.hidden = false;
    note.textContent = noDefinition(view.summary.machine);
    return;
  }
  const graph = state.graphs.get(view.graph.id);
  if (!graph) {
    const pending = `pending:${view.graph.id}`;
    if (state.shownGraph !== pending) {
      clear(box).append(h("div", { class: "muted", text: "Laying out the machine…" }));
      state.shownGraph = pending;
    }
    return;
  }
  if (graph.type === "graph-error") {
    clear(box);
    state.shownGraph = null;
    note.hidden = false;
    note.textContent = `Could not lay out the machine: ${graph.error}`;
    return;
  }
  if (state.shownGraph !== graph.id) {
    // The server's own drawing: every name in it is escaped there.
    box.innerHTML = graph.svg;
    state.shownGraph = graph.id;
    state.shownActive = null;
    applyZoom(state);
  }
  note.hidden = graph.truncated === 0;
  if (graph.truncated > 0) {
    note.textContent =
      `${graph.truncated} transition(s) are not drawn: the reporter cut the definition short ` +
      "(raise serializationDepthLimit in createWebSocketInspector, or pass { flows } to the inspector).";
  }
  const ids = activeIds(state);
  const active = new Set(ids);
  const marks = currentDetail(state)?.marks ?? {};
  for (const node of box.querySelectorAll("[data-state]")) {
    const id = node.getAttribute("data-state") ?? "";
    const on = active.has(id);
    node.classList.toggle("ox-active", on);
    node.classList.toggle("ox-current", on && node.hasAttribute("data-leaf"));
    for (const mark of MARK_NAMES) node.classList.toggle(`ox-mark-${mark}`, marks[id] === mark);
  }
  const key = `${graph.id}|${ids.join(",")}`;
  if (state.shownActive !== key) {
    state.shownActive = key;
    revealCurrent();
  }
}

/** The active states of the snapshot looked at. */
function activeIds(state: PageState): string[] {
  const { view } = state;
  if (!view) return [];
  return view.snapshots[currentIndex(state)]?.active ?? view.latest?.active ?? [];
}

/** Centres the view on the current state (the innermost active one). */
function revealCurrent(): void {
  const box = byId("graph");
  const target = box.querySelector(".ox-current") ?? box.querySelector(".ox-active:not(.ox-root)");
  if (!target) return;
  const r = target.getBoundingClientRect();
  const c = box.getBoundingClientRect();
  box.scrollTop += r.top - c.top - (c.height - r.height) / 2;
  box.scrollLeft += r.left - c.left - (c.width - r.width) / 2;
}

/** Sizes the drawing: "fit" shrinks it to the panel in both dimensions (never enlarges it), else the zoom factor. */
export function applyZoom(state: PageState): void {
  const box = byId("graph");
  const svg = box.querySelector("svg");
  if (!svg) return;
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const style = getComputedStyle(box);
  // The panel's content box: its padding is not room for the drawing.
  const roomX = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const roomY = box.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const scale = state.zoom === "fit" ? Math.min(1, roomX / width, roomY / height) : state.zoom;
  svg.style.width = `${Math.max(1, Math.floor(width * scale))}px`;
  svg.style.height = `${Math.max(1, Math.floor(height * scale))}px`;
  revealCurrent();
}

/** Zooms in or out from the size shown now. */
export function zoomBy(state: PageState, factor: number): void {
  const svg = byId("graph").querySelector("svg");
  if (!svg) return;
  const current = svg.getBoundingClientRect().width / Number(svg.getAttribute("width"));
  state.zoom = Math.max(0.2, Math.min(3, current * factor));
  applyZoom(state);
}
