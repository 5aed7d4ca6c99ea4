import type { Json } from "../json.js";
import type { FlowStatus } from "../types.js";

/** Where a stored run stands: still going, or how it ended. */
export type RunStatus = "running" | FlowStatus;

/** One stored run: what `RunStore.save` writes after every transition. */
export interface RunRecord {
  runId: string;
  flow: string;
  version: string | null;
  /** Hash of the flow's shape; a run is only resumed into a flow with the same hash. */
  definitionHash: string;
  status: RunStatus;
  /** Increases with every transition of the run: a save with a lower `seq` than the stored one is ignored. */
  seq: number;
  /** The actor's persisted snapshot (JSON). */
  snapshot: Json;
  /** What the run is doing, for listings: e.g. `process-payment` or `undo reserve-stock`. */
  currentStep: string | null;
  /** Attempts of the current step. */
  attempts: number;
  /** The latest error message, if any. */
  lastError: string | null;
  /** Which process holds the run, as `host:pid`; `null` once it has ended. */
  owner: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Filters for {@link RunStore.list}. */
export interface RunQuery {
  status?: RunStatus | readonly RunStatus[];
  flow?: string;
  /** At most this many, newest first. @default 100 */
  limit?: number;
}

/**
 * Where runs are kept. Stores only keep records; what they mean is the engine's business.
 * Implementations must apply saves of one run in `seq` order and never let a lower `seq` overwrite a higher one.
 */
export interface RunStore {
  /** Inserts a new run; rejects with `StoreError` when a run with this id exists. */
  create(record: RunRecord): Promise<void>;
  /** Writes a run unless the store holds a newer one (higher `seq`); resolves once durable. */
  save(record: RunRecord): Promise<void>;
  /** The run with this id, or `undefined`. */
  load(runId: string): Promise<RunRecord | undefined>;
  /** Runs matching the query, most recently updated first. */
  list(query?: RunQuery): Promise<RunRecord[]>;
  /** Removes a run (used when a cached result expired and the id is run again). */
  delete(runId: string): Promise<void>;
  /** Releases the store's resources; later calls reject. */
  close(): Promise<void>;
}
