export { streamRunEvents } from "./http/events.js";
export type { RunEventsOptions } from "./http/events.js";
export { readRunView, sendRunView, storedRunView, sendJson } from "./http/view.js";
export type { StoredRunView, RunViewReading } from "./http/view.js";
