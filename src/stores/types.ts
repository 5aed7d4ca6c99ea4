import type { Json } from "../json.js";
import type { ReceivedSignal } from "../snapshot/context.js";
import type { FlowStatus } from "../types.js";

/** Where a stored run stands: still going, or how it ended. */
export type RunStatus = "running" | FlowStatus;

/** What a listing shows of a stored run: everything but its snapshot. */
export interface RunSummary {
  runId: string;
  flow: string;
  version: string | null;
  /** Hash of the flow's shape; a run is only resumed into a flow with the same hash. */
  definitionHash: string;
  /** Hash of the run's validated input: the same run id with other input is refused. */
  inputHash: string;
  status: RunStatus;
  /** Increases with every transition of the run: a save with a lower `seq` than the stored one is ignored. */
  seq: number;
  /** What the run is doing, for listings: e.g. `process-payment` or `undo reserve-stock`. */
  currentStep: string | null;
  /** Attempts of the current step (0 when no step is in flight). */
  attempts: number;
  /** The error of the step or undo in flight, if its last attempt failed. */
  lastError: string | null;
  /** Which process holds the run, as `host:pid`; `null` once it has ended or was handed back. */
  owner: string | null;
  /** Grows with every claim of the run; a save carrying an older fence is refused. */
  fence: number;
  /** Until when (epoch ms) the owner's claim holds without a renewal; `null` when nobody holds it. */
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One stored run: what `RunStore.save` writes after every transition. */
export interface RunRecord extends RunSummary {
  /** The actor's persisted snapshot (JSON). */
  snapshot: Json;
}

/** Filters and paging for {@link RunStore.list}. */
export interface RunQuery {
  status?: RunStatus | readonly RunStatus[];
  flow?: string;
  /** Only runs updated after this time (epoch ms), e.g. to refresh a listing incrementally. */
  updatedAfter?: number;
  /** At most this many, newest first. @default 100 */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
}

/** One page of a listing, newest first. */
export interface RunPage {
  runs: RunSummary[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** A request to take a run over: what was read of it, and who takes it for how long. */
export interface ClaimRequest {
  /** The fence of the record read: the claim succeeds only if the run is still at this fence. */
  fence: number;
  /** The lease expiry of the record read: the claim also fails if the owner renewed since (it is alive). */
  heldUntil: number | null;
  /** The new owner, as `host:pid`. */
  owner: string;
  /** Until when (epoch ms) the claim holds without a renewal. */
  leaseUntil: number;
}

/** A signal as a store keeps it until a save of its run takes it in: `flow.signal()` records one. */
export type StoredSignal = ReceivedSignal;

/** What a save does besides writing the run, in the same transaction. */
export interface SaveEffects {
  /** Ids of the run's recorded signals this snapshot took in: marked taken with it, so none is lost or taken twice. */
  takeSignals?: readonly string[];
}

/** A granted claim. */
export interface Claim {
  /** The new fence; every save of this owner carries it. */
  fence: number;
  /** The record as it was claimed. */
  record: RunRecord;
}

/**
 * What a store that also dispatches runs to workers offers (PostgreSQL with pg-boss): the engine
 * uses it for `flow.enqueue` and to park runs, and never needs to know what queue is behind it.
 */
export interface RunQueue {
  /**
   * Stores a new run that nobody holds yet (fence 0) and queues it for a worker, in one transaction.
   * Resolves with `undefined` once both are committed, or with the run already stored under this
   * id (then nothing was written).
   */
  enqueue(record: RunRecord): Promise<RunSummary | undefined>;
  /**
   * Hands a run back (only if it is still at `fence`) and queues it for whichever worker is free at
   * `wakeAt` (epoch ms; at once when absent; with `null`, only when {@link RunQueue.wake} is called), in one transaction. Until `wakeAt` its lease stays
   * set, so the run reads as parked rather than abandoned; nobody owns it.
   */
  park(runId: string, flow: string, fence: number, wakeAt?: number | null): Promise<void>;
  /** Queues a run for whichever worker is free, now (a signal was sent to it); a held run's owner just ignores the job. */
  wake(runId: string, flow: string): Promise<void>;
}

/**
 * Word of runs that ended, from any process sharing the store (PostgreSQL has it, with NOTIFY):
 * `flow.result()` then answers as soon as a run ends instead of at its next look. Stores without
 * it are looked at again and again, and a word that never comes is made up for the same way.
 */
export interface RunEndings {
  /**
   * Listens for the end of `runId`. Resolves once listening (an end committed after that is not
   * missed) with `ended`, which resolves when the end is heard, and `stop`, to stop listening.
   */
  watch(runId: string): Promise<{ ended: Promise<void>; stop(): void }>;
}

/**
 * Where runs are kept. Stores only keep records; what they mean is the engine's business.
 * A store applies saves of one run in `seq` order, never lets a lower `seq` overwrite a higher
 * one, and refuses every write whose fence is no longer the run's current one.
 */
export interface RunStore {
  /** Inserts a new run, already claimed by `record.owner` at `record.fence`; rejects with `StoreError` when the id exists. */
  create(record: RunRecord): Promise<void>;
  /**
   * Takes a run over in one conditional write: succeeds only if its fence and lease are still as read.
   * Resolves with the new claim, or `undefined` when another owner claimed it first (or it is gone).
   */
  claim(runId: string, request: ClaimRequest): Promise<Claim | undefined>;
  /**
   * Writes a run at `record.fence`; resolves once durable. Rejects with `RunFencedError` when the
   * run's fence moved on (another owner claimed it); a save older than the stored `seq` is ignored.
   */
  save(record: RunRecord, effects?: SaveEffects): Promise<void>;
  /**
   * Records a signal for a stored run, durably; resolves `false` (nothing written) when a signal
   * with this id is already recorded for the run, taken in or not. Rejects with `RunNotFoundError` when no such run is stored.
   */
  signal(runId: string, signal: StoredSignal): Promise<boolean>;
  /** The run's recorded signals that no save has taken in yet, oldest first. */
  signals(runId: string): Promise<StoredSignal[]>;
  /** Extends the lease of the owner at `fence`; false when that fence is no longer current. */
  renew(runId: string, fence: number, leaseUntil: number): Promise<boolean>;
  /** Hands a run back (owner and lease cleared) if it is still at `fence`, so another process may claim it at once. */
  release(runId: string, fence: number): Promise<void>;
  /** The run with this id, or `undefined`. */
  load(runId: string): Promise<RunRecord | undefined>;
  /** Summaries of the runs matching the query (no snapshots), most recently updated first, a page at a time. */
  list(query?: RunQuery): Promise<RunPage>;
  /** Removes a run and its signals (when a cached result expired and the id runs again); with `fence`, only if the run is still at it. */
  delete(runId: string, fence?: number): Promise<void>;
  /** Releases the store's resources; later calls reject. */
  close(): Promise<void>;
  /** Present when the store can queue runs for workers: `flow.enqueue` needs it, and runs park on it. */
  readonly queue?: RunQueue;
  /** Present when the store can tell that a run ended, from any process. */
  readonly endings?: RunEndings;
}
