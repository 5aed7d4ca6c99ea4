/**
 * What the inspector's page and its server say to each other over the `/ui` socket: one union each
 * way, discriminated by `type`. The server sends {@link ServerMessage}s and reads
 * {@link PageMessage}s with {@link parsePageMessage}; anything else from a page is ignored.
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
  | { type: "hello"; limits: { maxEventsPerRun: number; maxRuns: number; maxBytesPerRun: number }; store: boolean }
  | { type: "runs"; live: RunSummary[]; liveTotal: number; stored: RunSummary[]; storedNext: string | null; stats: InspectorStats }
  | { type: "run"; view: RunView }
  | { type: "graph"; id: string; machineId: string; svg: string; truncated: number; complete: boolean }
  | { type: "graph"; id: string; machineId: string; error: string }
  | { type: "point"; key: string; detail: PointDetail }
  | { type: "stored-page"; query: string; after: string | null; runs: RunSummary[]; next: string | null }
  | { type: "gone"; key: string }
  | { type: "error"; message: string };

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
