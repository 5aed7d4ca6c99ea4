/**
 * Live runs as reported over the WebSocket: one per root actor (an XState system), holding its
 * latest state and a bounded buffer of its events. Memory is bounded twice: at most
 * `maxEventsPerRun` events per run (the oldest are dropped, and counted), and at most `maxRuns`
 * finished runs (the oldest are evicted, and counted). Live runs stay until they finish, up to
 * 10 × `maxRuns`, past which the oldest live ones are evicted as well. Bytes are bounded too: the text
 * kept for a run (its root snapshots) stays under `maxBytesPerRun` (older events go first, and the run
 * says it was truncated), and all runs together under `maxTotalBytes` (the oldest runs go first).
 */
import type { Definitions, GraphSource } from "./definitions.js";
import { isRecord } from "../graph/guards.js";
import { activeStateIds, currentStates } from "../graph/read.js";
import { parseReport, type InspectionReport, type InspectedSnapshot } from "./protocol.js";

/** Where a live run stands, as far as its actor says. */
export type LiveState = "running" | "done" | "error" | "stopped" | "disconnected";

/** One event kept for a run. */
export interface RecordedEvent {
  /** Position in the run's stream, counting dropped events too (1-based). */
  seq: number;
  /** When the reporter created it (ms since epoch). */
  at: number;
  type: InspectionReport["type"];
  /** The actor concerned: the run's root actor or an invoked/spawned child, by name. */
  actor: string;
  sessionId: string;
  /** The event's type for `@xstate.event`, the snapshot's status for `@xstate.snapshot`, the actor's name for `@xstate.actor`. */
  label: string;
}

/** A root snapshot kept with its raw text, so the page can go back to any point of the run. */
interface Entry extends RecordedEvent {
  raw?: string;
  value?: unknown;
  status?: string;
  /** The event that led to this snapshot. */
  cause?: string;
}

/** Limits of the registry. */
export interface RegistryLimits {
  maxEventsPerRun: number;
  maxRuns: number;
  /** Text kept per run, in UTF-16 code units (about bytes for JSON). */
  maxBytesPerRun: number;
  /** Text kept for all runs together. */
  maxTotalBytes: number;
}

/** What an event costs besides its text: the entry's fields. */
const ENTRY_OVERHEAD = 200;

/** Counters over the inspector's lifetime. */
export interface IngestCounters {
  /** Frames received from reporters. */
  received: number;
  /** Frames that were not inspection events. */
  malformed: number;
  /** Events dropped from full per-run buffers (oldest first). */
  droppedEvents: number;
  /** Runs evicted to stay within `maxRuns`. */
  evictedRuns: number;
  /** Events that arrived for a run already evicted. */
  lateEvents: number;
  /** Frames refused for being larger than `maxFrameBytes` (their connection is closed). */
  oversizedFrames: number;
  /** Reported definitions not kept for being larger than `maxDefinitionBytes`. */
  oversizedDefinitions: number;
  /** Runs whose older events were dropped to stay within `maxBytesPerRun`. */
  truncatedRuns: number;
}

/** A fixed-size buffer that overwrites its oldest item. */
class Ring<T> {
  private items: T[] = [];
  private head = 0;

  constructor(private readonly capacity: number) {}

  /** Adds an item; returns the oldest one if it was dropped to make room. */
  push(item: T): T | undefined {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return undefined;
    }
    const dropped = this.items[this.head];
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return dropped;
  }

  get size(): number {
    return this.items.length;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.items.length === 0) return undefined;
    if (this.head === 0) return this.items.shift();
    const oldest = this.items[this.head];
    this.items.splice(this.head, 1);
    if (this.head >= this.items.length) this.head = 0;
    return oldest;
  }

  toArray(): T[] {
    return this.head === 0 ? this.items.slice() : [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }
}

/** One live run: a root actor and what its system reported. */
export class LiveRun {
  /** Actor id (an Orchestrix run's id) or, until the actor event arrives, its session id. */
  name: string;
  machineId: string;
  graph: GraphSource | null = null;
  state: LiveState = "running";
  /** For Orchestrix runs: the context's `status`, `runId` and definition hash. */
  flowStatus: string | null = null;
  runId: string | null = null;
  definitionHash: string | null = null;
  value: unknown = null;
  error: string | null = null;
  readonly startedAt: number;
  updatedAt: number;
  endedAt: number | null = null;
  /** Bumped on every change, so the page is only sent what changed. */
  version = 0;
  droppedEvents = 0;
  /** Text held for the run (snapshots and entries), about its bytes. */
  bytes = 0;
  /** Whether older events were dropped to keep the run within its byte limit. */
  truncated = false;
  private seq = 0;
  private readonly events: Ring<Entry>;
  private readonly childNames = new Map<string, string>();
  private latest: Entry | null = null;

  constructor(
    /** Unique within the inspector: the reporting connection and the root session id. */
    readonly key: string,
    readonly connection: number,
    readonly sessionId: string,
    at: number,
    capacity: number,
  ) {
    this.name = sessionId;
    this.machineId = sessionId;
    this.startedAt = at;
    this.updatedAt = at;
    this.events = new Ring(capacity);
  }

  /** Events received for the run, dropped ones included. */
  get received(): number {
    return this.seq;
  }

  /** Whether the run has ended (its actor is done, failed, stopped, or its reporter went away). */
  get finished(): boolean {
    return this.state !== "running";
  }

  /** Shown status: the Orchestrix outcome when known, else the actor's. */
  get status(): string {
    if (this.state === "running" || this.state === "done") return this.flowStatus ?? this.state;
    return this.state;
  }

  /** The innermost active states, relative to the machine: `steps.process-payment.retrying`. */
  get current(): string | null {
    return currentStates(this.machineId, this.value);
  }

  /** Events held, oldest first. */
  recorded(): RecordedEvent[] {
    return this.events.toArray().map(({ seq, at, type, actor, sessionId, label }) => ({ seq, at, type, actor, sessionId, label }));
  }

  /** The root snapshots held, oldest first, with the active state ids of each. */
  snapshots(): { seq: number; at: number; status: string; event: string; active: string[] }[] {
    const list = [];
    for (const entry of this.events.toArray()) {
      if (entry.raw === undefined) continue;
      list.push({
        seq: entry.seq,
        at: entry.at,
        status: entry.status ?? "active",
        event: entry.cause ?? "",
        active: activeStateIds(this.machineId, entry.value),
      });
    }
    return list;
  }

  /** The full snapshot (context included) at `seq`, or the latest one. */
  snapshotAt(seq?: number): { seq: number; snapshot: InspectedSnapshot } | null {
    const entry = seq === undefined ? this.latest : this.events.toArray().find((candidate) => candidate.seq === seq && candidate.raw);
    if (!entry?.raw) return null;
    const report = parseReport(entry.raw);
    return report?.type === "@xstate.snapshot" ? { seq: entry.seq, snapshot: report.snapshot } : null;
  }

  /** Records an event; says whether an older one was dropped, and how many bytes the run grew by. */
  record(report: InspectionReport, at: number, raw: string): { dropped: boolean; grew: number } {
    const seq = ++this.seq;
    const actor = report.sessionId === this.sessionId ? this.name : (this.childNames.get(report.sessionId) ?? report.sessionId);
    let entry: Entry;
    switch (report.type) {
      case "@xstate.actor":
        if (report.sessionId !== this.sessionId) this.childNames.set(report.sessionId, report.name ?? report.sessionId);
        entry = { seq, at, type: report.type, actor: report.name ?? actor, sessionId: report.sessionId, label: report.name ?? actor };
        break;
      case "@xstate.event":
        entry = { seq, at, type: report.type, actor, sessionId: report.sessionId, label: report.event.type };
        break;
      case "@xstate.snapshot": {
        const status = typeof report.snapshot.status === "string" ? report.snapshot.status : "active";
        entry = { seq, at, type: report.type, actor, sessionId: report.sessionId, label: status };
        if (report.sessionId === this.sessionId) {
          Object.assign(entry, { raw, value: report.snapshot.value, status, cause: report.event?.type ?? "" });
          this.latest = entry;
          this.applySnapshot(report.snapshot, at);
        }
        break;
      }
    }
    this.updatedAt = Math.max(this.updatedAt, at);
    this.version++;
    const before = this.bytes;
    this.bytes += sizeOf(entry);
    const evicted = this.events.push(entry);
    if (evicted) {
      this.bytes -= sizeOf(evicted);
      this.droppedEvents++;
    }
    return { dropped: evicted !== undefined, grew: this.bytes - before };
  }

  /** Drops the oldest events (never the latest snapshot) until the run holds at most `limit`; returns the bytes freed. */
  trimTo(limit: number): number {
    const before = this.bytes;
    while (this.bytes > limit && this.events.size > 1) {
      const oldest = this.events.shift()!;
      this.bytes -= sizeOf(oldest);
      this.droppedEvents++;
      this.truncated = true;
    }
    if (before !== this.bytes) this.version++;
    return before - this.bytes;
  }

  /** Takes what the actor event says about the root: its name, machine and (if no snapshot came yet) state. */
  describe(report: InspectionReport & { type: "@xstate.actor" }, graph: GraphSource | null): void {
    if (report.name) this.name = report.name;
    if (graph) {
      this.graph = graph;
      this.machineId = graph.machineId;
    } else if (report.name) {
      this.machineId = report.name;
    }
    // The reporter reads this snapshot when it gets round to sending the actor event, which can be
    // much later than the actor started: its value is a fair first picture, its status is not.
    if (this.latest === null && report.snapshot) this.applySnapshot({ ...report.snapshot, status: "active" }, this.updatedAt);
  }

  /** Draws the run from a complete definition of its machine (found by its flow's hash). */
  useGraph(graph: GraphSource): void {
    if (this.graph === graph) return;
    this.graph = graph;
    this.machineId = graph.machineId;
    this.version++;
  }

  /** Marks the run as cut off from its reporter. */
  disconnect(at: number): void {
    if (this.finished) return;
    this.state = "disconnected";
    this.endedAt = at;
    this.version++;
  }

  private applySnapshot(snapshot: InspectedSnapshot, at: number): void {
    if (snapshot.value !== undefined) this.value = snapshot.value;
    const status = snapshot.status;
    if (status === "done" || status === "error" || status === "stopped") {
      if (this.state === "running") this.endedAt = at;
      this.state = status;
    }
    if (status === "error") this.error = messageOf(snapshot.error);
    const context = snapshot.context;
    if (isRecord(context) && isRecord(context.steps) && isRecord(context.flow)) {
      if (typeof context.status === "string") this.flowStatus = context.status;
      if (typeof context.runId === "string") this.runId = context.runId;
      if (typeof context.flow.definitionHash === "string") this.definitionHash = context.flow.definitionHash;
      this.error = context.error === null || context.error === undefined ? this.error : messageOf(context.error);
    }
  }
}

/** Live (unfinished) runs are kept up to this many times `maxRuns`. */
const LIVE_RUNS_FACTOR = 10;

/** All live runs, per reporting connection and root session. */
export class RunRegistry {
  /** Counters over the inspector's lifetime. */
  readonly counters: IngestCounters = {
    received: 0,
    malformed: 0,
    droppedEvents: 0,
    evictedRuns: 0,
    lateEvents: 0,
    oversizedFrames: 0,
    oversizedDefinitions: 0,
    truncatedRuns: 0,
  };
  /** Text held for all runs, about its bytes. */
  bytes = 0;
  /** Bumped whenever any run changes. */
  version = 0;
  private readonly runs = new Map<string, LiveRun>();
  private readonly finished = new Set<LiveRun>();
  /** Per connection: root session id → run, or `null` once evicted (so late events are not taken for a new run). */
  private readonly sessions = new Map<number, Map<string, LiveRun | null>>();
  private readonly tombstones: { connection: number; sessionId: string }[] = [];
  private readonly byRunId = new Map<string, LiveRun>();

  constructor(
    private readonly limits: RegistryLimits,
    private readonly definitions: Definitions,
  ) {}

  /** Takes one frame from a reporter. */
  ingest(connection: number, text: string): void {
    this.counters.received++;
    const report = parseReport(text);
    if (!report) {
      this.counters.malformed++;
      return;
    }
    const at = timeOf(report.createdAt);
    const table = this.table(connection);
    const rootId = report.rootId && report.rootId !== "anonymous" ? report.rootId : report.sessionId;
    let run = table.get(rootId);
    if (run === null) {
      this.counters.lateEvents++;
      return;
    }
    run ??= this.open(connection, rootId, at);
    const wasFinished = run.finished;
    const hadRunId = run.runId;
    if (report.type === "@xstate.actor" && report.sessionId === run.sessionId) {
      const graph = typeof report.definition === "string" ? this.definitions.fromReport(report.definition) : null;
      this.counters.oversizedDefinitions = this.definitions.oversized;
      run.describe(report, graph);
    }
    // Only root snapshots keep their text (to go back to them); actor events would carry the whole definition.
    const recorded = run.record(report, at, text);
    if (recorded.dropped) this.counters.droppedEvents++;
    this.bytes += recorded.grew;
    if (run.bytes > this.limits.maxBytesPerRun) {
      const wasTruncated = run.truncated;
      const before = run.droppedEvents;
      this.bytes -= run.trimTo(this.limits.maxBytesPerRun);
      this.counters.droppedEvents += run.droppedEvents - before;
      if (!wasTruncated && run.truncated) this.counters.truncatedRuns++;
    }
    if (run.runId !== hadRunId && run.runId !== null) this.byRunId.set(run.runId, run);
    if (run.graph && run.definitionHash !== null && !run.graph.complete) {
      // Orchestrix runs: the flow's complete machine, whatever the reporter's depth limit cut.
      const complete = this.definitions.complete(run.definitionHash, run.graph);
      if (complete) run.useGraph(complete);
      else this.definitions.rememberHash(run.definitionHash, run.graph);
    }
    if (!wasFinished && run.finished) this.finished.add(run);
    if ((!wasFinished && run.finished) || this.bytes > this.limits.maxTotalBytes) this.enforceLimits();
    this.version++;
  }

  /** A reporter went away: its runs that had not ended are marked `disconnected`. */
  disconnect(connection: number): void {
    const table = this.sessions.get(connection);
    if (!table) return;
    const now = Date.now();
    for (const run of table.values()) {
      if (run && !run.finished) {
        run.disconnect(now);
        this.finished.add(run);
      }
    }
    this.sessions.delete(connection);
    this.enforceLimits();
    this.version++;
  }

  /** Live runs, newest first. */
  list(): LiveRun[] {
    return [...this.runs.values()].reverse();
  }

  /** The run with this key. */
  get(key: string): LiveRun | undefined {
    return this.runs.get(key);
  }

  /** The live run of an Orchestrix run id, if it is held. */
  withRunId(runId: string): LiveRun | undefined {
    return this.byRunId.get(runId);
  }

  /** How many runs are held. */
  get size(): number {
    return this.runs.size;
  }

  private open(connection: number, sessionId: string, at: number): LiveRun {
    const run = new LiveRun(`c${connection}:${sessionId}`, connection, sessionId, at, this.limits.maxEventsPerRun);
    this.runs.set(run.key, run);
    this.table(connection).set(sessionId, run);
    this.enforceLimits();
    return run;
  }

  /**
   * Beyond `maxRuns` finished runs, the oldest finished go. Live runs stay until they finish (a busy
   * reporter can have many in flight), up to {@link LIVE_RUNS_FACTOR} × `maxRuns`: past that the
   * oldest go too, so actors that never stop cannot grow memory without bound.
   */
  private enforceLimits(): void {
    while (this.finished.size > this.limits.maxRuns) this.evict(this.finished.values().next().value!);
    // Over the byte budget: the oldest finished runs go first, then the oldest live ones.
    while (this.bytes > this.limits.maxTotalBytes && this.finished.size > 0) this.evict(this.finished.values().next().value!);
    while (this.bytes > this.limits.maxTotalBytes && this.runs.size > 1) this.evict(this.runs.values().next().value!);
    while (this.runs.size - this.finished.size > this.limits.maxRuns * LIVE_RUNS_FACTOR) {
      const oldestLive = [...this.runs.values()].find((run) => !run.finished);
      if (!oldestLive) break;
      this.evict(oldestLive);
    }
  }

  private evict(run: LiveRun): void {
    this.runs.delete(run.key);
    this.bytes -= run.bytes;
    this.finished.delete(run);
    if (run.runId !== null && this.byRunId.get(run.runId) === run) this.byRunId.delete(run.runId);
    const table = this.sessions.get(run.connection);
    if (table) {
      table.set(run.sessionId, null);
      this.tombstones.push({ connection: run.connection, sessionId: run.sessionId });
      // Remember evicted sessions for a while only: their late events become rarer with time.
      if (this.tombstones.length > this.limits.maxRuns * 4) {
        for (const stale of this.tombstones.splice(0, this.limits.maxRuns)) {
          const staleTable = this.sessions.get(stale.connection);
          if (staleTable?.get(stale.sessionId) === null) staleTable.delete(stale.sessionId);
        }
      }
    }
    this.counters.evictedRuns++;
  }

  private table(connection: number): Map<string, LiveRun | null> {
    let table = this.sessions.get(connection);
    if (!table) {
      table = new Map();
      this.sessions.set(connection, table);
    }
    return table;
  }
}

function sizeOf(entry: Entry): number {
  return ENTRY_OVERHEAD + (entry.raw?.length ?? 0) + entry.label.length + entry.actor.length;
}

function timeOf(createdAt: string | undefined): number {
  const at = createdAt === undefined ? NaN : Number(createdAt);
  return Number.isFinite(at) ? at : Date.now();
}

function messageOf(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  if (typeof error === "string") return error;
  return JSON.stringify(error) ?? String(error);
}
