/**
 * What the inspector knows, shared by its routes, its reporter socket and its page sessions: the
 * live runs, the definitions that draw them, the store's runs, and the views made of them.
 */
import type { RunRecord, RunSummary as StoredRunSummary } from "orchestrix";
import type { Definitions, GraphSource } from "../definitions.js";
import type { IngestCounters, LiveRun, RunRegistry } from "../runs.js";
import type { StoredRuns } from "../stored-runs.js";
import { graphFor, liveView, storedSummary, storedView, type RunSummary, type RunView } from "../views.js";

/** Counters of a running inspector. */
export interface InspectorStats extends IngestCounters {
  /** Live runs held now. */
  runs: number;
  /** Connected reporters (`createWebSocketInspector` sockets). */
  reporters: number;
  /** Open inspector pages. */
  pages: number;
  /** Why the last store listing failed, if it did. */
  storeError: string | null;
}

/** The inspector's runs and definitions, and how to look them up. */
export class InspectorState {
  /** Connected reporters. */
  reporters = 0;
  /** Open pages (kept by the page sessions). */
  pages = 0;
  /** Reporter connections so far: each one's number keys its runs. */
  connections = 0;

  constructor(
    readonly registry: RunRegistry,
    readonly definitions: Definitions,
    readonly stored: StoredRuns | null,
  ) {}

  stats(): InspectorStats {
    return { ...this.registry.counters, runs: this.registry.size, reporters: this.reporters, pages: this.pages, storeError: this.stored?.error ?? null };
  }

  /** A live run by key, or by Orchestrix run id. */
  find(keyOrRunId: string): LiveRun | undefined {
    return this.registry.get(keyOrRunId) ?? this.registry.withRunId(keyOrRunId);
  }

  graphOfLive(run: LiveRun): GraphSource | null {
    return graphFor(this.definitions, run.definitionHash, run.machineId, run.graph);
  }

  graphOfStored(record: StoredRunSummary): GraphSource | null {
    return graphFor(this.definitions, record.definitionHash, record.flow, null);
  }

  viewOf(run: LiveRun): RunView {
    return liveView(run, this.graphOfLive(run), run.runId !== null && this.stored?.has(run.runId) === true);
  }

  storedViewOf(record: RunRecord): { view: RunView; source: GraphSource | null } {
    const source = this.graphOfStored(record);
    return { view: storedView(record, source), source };
  }

  /** The view of a run by key (`store:<runId>` for stored runs), with the definition that draws it. */
  async viewFor(key: string): Promise<{ view: RunView; source: GraphSource | null } | undefined> {
    const run = this.find(key);
    if (run) return { view: this.viewOf(run), source: this.graphOfLive(run) };
    if (!this.stored || !key.startsWith("store:")) return undefined;
    const record = await this.stored.store.load(key.slice("store:".length));
    return record && this.storedViewOf(record);
  }

  /** Stored runs for the list: those also live are listed once, as live. */
  storedList(records: readonly StoredRunSummary[] = this.stored?.records ?? []): RunSummary[] {
    return records.filter((record) => !this.registry.withRunId(record.runId)).map(storedSummary);
  }
}
