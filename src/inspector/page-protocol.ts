/**
 * What the inspector's page and its server say to each other over the `/ui` socket: one union each
 * way, discriminated by `type`, imported by both sides (the page's code in `client/` takes the types
 * only). The server sends {@link ServerMessage}s and reads {@link PageMessage}s with
 * {@link parsePageMessage}; anything else from a page is ignored.
 */
import { parseJsonObject } from "../graph/guards.js";
import type { InspectorStats } from "./server/state.js";
import type { PointDetail, RunSummary, RunView } from "./views.js";

/** From the page. */
export type PageMessage =
  /** Show this run (and keep sending its changes). */
  | { type: "select"; key: string }
  /** The detail of one snapshot of the selected live run. */
  | { type: "point"; key: string; seq: number }
  /** Search the store (`status:failed`, `flow:NAME`, a flow name or a run id), from `after` on. */
  | { type: "stored"; query: string; after?: string }
  /** Look at the store again now. */
  | { type: "refresh" };

/** From the server. */
export type ServerMessage =
  /** Sent first: the inspector's limits, and whether it shows a store's runs. */
  | { type: "hello"; limits: InspectorLimits; store: boolean }
  /** The run list changed: the newest live runs, the newest stored ones, and the counters. */
  | { type: "runs"; live: RunSummary[]; liveTotal: number; stored: RunSummary[]; storedNext: string | null; stats: InspectorStats }
  /** The selected run, whole (again after each change). */
  | { type: "run"; view: RunView }
  /** A machine's drawing, sent once per page and definition (`id` is {@link RunView}'s `graph.id`). */
  | { type: "graph"; id: string; machineId: string; svg: string; truncated: number; complete: boolean }
  /** A machine that could not be laid out (too large, too slow). */
  | { type: "graph-error"; id: string; machineId: string; error: string }
  /** The detail of the snapshot a `point` message asked for. */
  | { type: "point"; key: string; detail: PointDetail }
  /** One page of a store search a `stored` message asked for. */
  | { type: "stored-page"; query: string; after: string | null; runs: RunSummary[]; next: string | null }
  /** The selected run is not held (evicted, or not found). */
  | { type: "gone"; key: string }
  /** A request of the page failed. */
  | { type: "error"; message: string };

/** The limits the page shows next to what was dropped. */
export interface InspectorLimits {
  maxEventsPerRun: number;
  maxRuns: number;
  maxBytesPerRun: number;
}

/** One message from the server, by its `type`. */
export type ServerMessageOf<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;

/** Reads one frame from a page; `undefined` when it is not a {@link PageMessage}. */
export function parsePageMessage(text: string): PageMessage | undefined {
  const value = parseJsonObject(text);
  if (!value) return undefined;
  switch (value.type) {
    case "select":
      return typeof value.key === "string" ? { type: "select", key: value.key } : undefined;
    case "point":
      return typeof value.key === "string" && typeof value.seq === "number" ? { type: "point", key: value.key, seq: value.seq } : undefined;
    case "stored":
      if (typeof value.query !== "string") return undefined;
      return typeof value.after === "string" ? { type: "stored", query: value.query, after: value.after } : { type: "stored", query: value.query };
    case "refresh":
      return { type: "refresh" };
    default:
      return undefined;
  }
}
