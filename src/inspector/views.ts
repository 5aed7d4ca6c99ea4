/**
 * What the page and the read API show of a run, live or stored: a summary for the list, and a
 * detailed view (graph, state history, timeline, context, events) for the chosen run.
 */
import { readFlowSnapshot, type RunRecord, type RunSummary as StoredRunSummary } from "orchestrix";
import type { Definitions, GraphSource } from "./definitions.js";
import { runPath, type StateMark } from "../graph/path.js";
import { activeStateIds, currentStates } from "../graph/read.js";
import type { LiveRun, RecordedEvent } from "./runs.js";
import { timelineOf, type Timeline } from "./timeline.js";

/** One run in the list. */
export interface RunSummary {
  /** Unique key: `c<connection>:<session>` for live runs, `store:<runId>` for stored ones. */
  key: string;
  source: "live" | "stored";
  /** The actor's id; for Orchestrix runs, the run id. */
  name: string;
  /** The machine's id; for Orchestrix runs, the flow's name. */
  machine: string;
  runId: string | null;
  /** `running`, `completed`, `failed`, `cancelled`, `compensation_failed`, or for other actors `done`, `error`, `stopped`; `disconnected` when the reporter went away. */
  status: string;
  /** The innermost active state(s), e.g. `steps.process-payment.retrying`. */
  state: string | null;
  startedAt: number;
  updatedAt: number;
  endedAt: number | null;
  /** Events received for the run (held + dropped). */
  events: number;
  /** Older events dropped from the run's full buffer. */
  droppedEvents: number;
  /** Whether older events were dropped to keep the run within the per-run byte limit. */
  truncated: boolean;
  error: string | null;
}

/** One point of a run's history: a snapshot of its root actor. */
export interface SnapshotPoint {
  seq: number;
  at: number;
  status: string;
  /** The event that led to it. */
  event: string;
  /** Ids of the active states (ancestors included), as in the graph. */
  active: string[];
}

/** Everything the page shows for the chosen run. */
export interface RunView {
  summary: RunSummary;
  /** The drawing to use, `null` when no definition is known. */
  graph: { id: string; machineId: string; complete: boolean } | null;
  /** The root's snapshots held, oldest first (stored runs have one: the last saved). */
  snapshots: SnapshotPoint[];
  /** Context, timeline and active states of the latest snapshot. */
  latest: PointDetail | null;
  /** Events held, oldest first (none for stored runs). */
  events: RecordedEvent[];
  droppedEvents: number;
  /** Whether the run was also saved in the store. */
  stored: boolean;
}

/** The detail of one snapshot: what the page shows when the user goes to it. */
export interface PointDetail {
  seq: number;
  active: string[];
  /** What happened in each state the run went through, by state id: the path drawn on the graph. */
  marks: Record<string, StateMark>;
  context: unknown;
  timeline: Timeline | null;
}

/** The summary of a live run. */
export function liveSummary(run: LiveRun): RunSummary {
  return {
    key: run.key,
    source: "live",
    name: run.name,
    machine: run.machineId,
    runId: run.runId,
    status: run.status,
    state: run.current,
    startedAt: run.startedAt,
    updatedAt: run.updatedAt,
    endedAt: run.endedAt,
    events: run.received,
    droppedEvents: run.droppedEvents,
    truncated: run.truncated,
    error: run.error,
  };
}

/** The summary of a stored run. */
export function storedSummary(record: StoredRunSummary): RunSummary {
  return {
    key: `store:${record.runId}`,
    source: "stored",
    name: record.runId,
    machine: record.flow,
    runId: record.runId,
    status: record.status,
    state: record.currentStep ?? (record.status === "running" ? null : record.status),
    startedAt: record.createdAt,
    updatedAt: record.updatedAt,
    endedAt: record.status === "running" ? null : record.updatedAt,
    events: 0,
    droppedEvents: 0,
    truncated: false,
    error: record.lastError,
  };
}

/** Picks the drawing for a run: a flow given at start with its exact hash first, then what the actor reported, then the last seen for its machine. */
export function graphFor(definitions: Definitions, hash: string | null, machineId: string, reported: GraphSource | null): GraphSource | null {
  return definitions.flowWithHash(hash) ?? reported ?? definitions.find(hash, machineId) ?? null;
}

/** The detailed view of a live run. */
export function liveView(run: LiveRun, graph: GraphSource | null, stored: boolean): RunView {
  const latest = run.snapshotAt();
  const snapshots = run.snapshots();
  return {
    summary: liveSummary(run),
    graph: graph && { id: graph.id, machineId: graph.machineId, complete: graph.complete },
    snapshots,
    latest: latest && pointDetail(run.machineId, latest.seq, latest.snapshot.value, latest.snapshot.context, graph, visitedUntil(snapshots, latest.seq)),
    events: run.recorded(),
    droppedEvents: run.droppedEvents,
    stored,
  };
}

/** The detailed view of a stored run: its last saved snapshot. */
export function storedView(record: RunRecord, graph: GraphSource | null): RunView {
  // Read through the one typed reader of stored snapshots; one it cannot read shows no state.
  const reading = readFlowSnapshot(record.snapshot);
  const snapshot = reading.ok ? reading.snapshot : { value: undefined, context: undefined, status: "active" };
  const latest = pointDetail(record.flow, record.seq, snapshot.value, snapshot.context, graph);
  return {
    // The record's snapshot says where the run stands, also once it has ended (its final state).
    summary: { ...storedSummary(record), state: currentStates(record.flow, snapshot.value) ?? record.currentStep },
    graph: graph && { id: graph.id, machineId: graph.machineId, complete: graph.complete },
    snapshots: [
      {
        seq: record.seq,
        at: record.updatedAt,
        status: snapshot.status,
        event: "(stored)",
        active: latest.active,
      },
    ],
    latest,
    events: [],
    droppedEvents: 0,
    stored: true,
  };
}

/** Context, timeline and active states of one snapshot. */
export function pointDetail(
  machineId: string,
  seq: number,
  value: unknown,
  context: unknown,
  graph: GraphSource | null,
  visited: Iterable<string> = [],
): PointDetail {
  const active = activeStateIds(machineId, value);
  const marks = graph ? runPath(machineId, graph.stateIds(), context, visited) : {};
  return { seq, active, marks, context: context ?? null, timeline: timelineOf(context, graph?.stepOrder()) };
}

/** Every state the run's snapshots were seen in, up to `seq`. */
export function visitedUntil(snapshots: readonly SnapshotPoint[], seq: number): Set<string> {
  const visited = new Set<string>();
  for (const point of snapshots) if (point.seq <= seq) for (const id of point.active) visited.add(id);
  return visited;
}
