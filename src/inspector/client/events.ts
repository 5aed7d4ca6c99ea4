/** The events card: the newest 400 inspection events held for a live run, newest first. */
import type { RecordedEvent } from "../runs.js";
import type { RunView } from "../views.js";
import { byId, clear, h } from "./dom.js";
import { clock, duration } from "./format.js";
import type { PageState } from "./state.js";

const LETTERS: Record<RecordedEvent["type"], string> = {
  "@xstate.actor": "a",
  "@xstate.event": "e",
  "@xstate.snapshot": "s",
};

/** Draws the selected run's events. */
export function renderEvents(state: PageState, view: RunView): void {
  const element = clear(byId("events"));
  const held = view.summary.source === "stored" ? "(not kept for stored runs)" : `(${view.events.length} held${state.limits ? `, up to ${state.limits.maxEventsPerRun}` : ""})`;
  byId("events-note").textContent = held;
  if (view.droppedEvents > 0) element.append(h("div", { class: "drop-note", text: `${view.droppedEvents.toLocaleString()} older events dropped` }));
  const start = view.summary.startedAt;
  for (const event of view.events.slice(-400).reverse()) element.append(eventLine(event, start));
}

function eventLine(event: RecordedEvent, start: number): HTMLElement {
  const letter = LETTERS[event.type];
  return h("div", { class: "ev", title: `${event.type} · ${event.sessionId} · ${clock(event.at)}` }, [
    h("span", { class: "t", text: `+${duration(event.at - start)}` }),
    h("span", { class: `k k-${letter}`, text: letter.toUpperCase() }),
    h("span", { text: event.actor }),
    h("span", { text: event.label }),
  ]);
}
