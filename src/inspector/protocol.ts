/**
 * What `createWebSocketInspector()` from `@statelyai/inspect` sends: one JSON text frame per
 * inspection event, and nothing expected back. Read from @statelyai/inspect 0.7 (`src/webSocket.ts`,
 * `src/createInspector.ts`): XState's `@xstate.action` / `@xstate.microstep` events are not forwarded.
 */
import { isRecord, parseJsonObject } from "../graph/guards.js";

/** The state of an actor as reported: for machines, `value` and `context`. */
export interface InspectedSnapshot {
  status?: string;
  value?: unknown;
  context?: unknown;
  output?: unknown;
  error?: unknown;
}

/** Fields every reported event carries. */
interface BaseEvent {
  /** The actor's session id (`x:0`, `x:1`…): unique within one process, not across processes. */
  sessionId: string;
  /** Session id of the root actor of the system; `"anonymous"` from the manual `inspector.event()` API. */
  rootId?: string;
  /** Milliseconds since epoch, as a string. */
  createdAt?: string;
  _version?: string;
}

/** An actor was created; root actors carry their machine's config as JSON text in `definition`. */
export interface ActorReport extends BaseEvent {
  type: "@xstate.actor";
  /** The actor's id (for Orchestrix runs, the run id), or the machine id. */
  name?: string;
  parentId?: string;
  definition?: string;
  snapshot?: InspectedSnapshot;
}

/** An event was sent to an actor. */
export interface EventReport extends BaseEvent {
  type: "@xstate.event";
  sourceId?: string;
  event: { type: string; [key: string]: unknown };
}

/** An actor has a new snapshot (after a macrostep), with the event that caused it. */
export interface SnapshotReport extends BaseEvent {
  type: "@xstate.snapshot";
  snapshot: InspectedSnapshot;
  event?: { type?: string; [key: string]: unknown };
}

/** One inspection event as received over the WebSocket. */
export type InspectionReport = ActorReport | EventReport | SnapshotReport;

/** Parses one frame; `undefined` when it is not JSON or not one of the three inspection events. */
export function parseReport(text: string): InspectionReport | undefined {
  const value = parseJsonObject(text);
  if (!value) return undefined;
  const report = value as Partial<InspectionReport> & { type?: unknown; sessionId?: unknown };
  if (typeof report.sessionId !== "string" || report.sessionId === "") return undefined;
  switch (report.type) {
    case "@xstate.actor":
      return report as ActorReport;
    case "@xstate.event": {
      const event = (report as Partial<EventReport>).event;
      return isRecord(event) && typeof event.type === "string" ? (report as EventReport) : undefined;
    }
    case "@xstate.snapshot":
      return isRecord((report as Partial<SnapshotReport>).snapshot) ? (report as SnapshotReport) : undefined;
    default:
      return undefined;
  }
}
