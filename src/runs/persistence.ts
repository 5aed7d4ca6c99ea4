import { RunExistsError, RunFencedError, StoreError } from "../errors.js";
import type { Json } from "../json.js";
import type { FlowContext } from "../snapshot/context.js";
import { activeRecords } from "../snapshot/read.js";
import type { RunRecord, RunStatus, RunStore } from "../stores/types.js";
import { thisOwner } from "./owner.js";

/** The parts of an XState snapshot persistence reads. */
interface SnapshotLike {
  status: string;
  context: FlowContext;
}

/** The claim a run is saved under, and what its record keeps from the start. */
export interface SaveClaim {
  store: RunStore;
  /** This owner's fence: every save carries it, and the store refuses it once another owner claims the run. */
  fence: number;
  /** The stored `seq` to continue from (0 for a new run). */
  seq: number;
  /** Whether the first save inserts a new record. */
  isNew: boolean;
  /** Until when the claim holds; written with a new record (renewals move it later). */
  leaseUntil: number;
  inputHash: string;
  createdAt: number;
}

/**
 * Saves a run after every transition, in order. Saves are not awaited one by one (so a store can
 * commit many in one transaction), but `durable()` waits for all of them: the engine awaits it
 * before each attempt starts and before it reports the result, so no step runs on an undurable past.
 * The first failed save stops the run: a refused (fenced) one means another owner has it.
 */
export class RunPersistence {
  private seq: number;
  private readonly pending = new Set<Promise<void>>();
  private failure: StoreError | RunFencedError | RunExistsError | undefined;
  private first: boolean;
  private created: Promise<void> | undefined;
  /** How many of the context's `signalIds` a queued save has already taken in (a restored run re-takes its own: a no-op). */
  private signalsTaken = 0;

  constructor(
    private readonly claim: SaveClaim,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.seq = claim.seq;
    this.first = claim.isNew;
  }

  /** Queues the save of one snapshot (call it from the actor's snapshot observer, in order). */
  record(snapshot: SnapshotLike, persisted: unknown): void {
    if (this.failure) return;
    const { store } = this.claim;
    const record = toRecord(snapshot, persisted as Json, ++this.seq, this.claim);
    const creating = this.first;
    // The signals this snapshot took in since the last save are marked taken in the same write.
    const ids = snapshot.context.signalIds;
    const takeSignals = ids && ids.length > this.signalsTaken ? ids.slice(this.signalsTaken) : undefined;
    if (ids) this.signalsTaken = ids.length;
    const effects = takeSignals ? { takeSignals } : undefined;
    // No save goes out before the create is confirmed: a create that finds the id taken must not
    // let this run's next saves land on the other owner's record (the fence alone cannot tell them apart).
    const created = this.created;
    const write = creating ? store.create(record) : created ? created.then(() => store.save(record, effects)) : store.save(record, effects);
    if (creating) {
      this.created = write;
      write.then(
        () => {
          if (this.created === write) this.created = undefined;
        },
        () => undefined, // reported through `tracked` below
      );
    }
    this.first = false;
    const tracked = write.catch((cause: unknown) => this.fail(snapshot.context.flow.name, snapshot.context.runId, cause, creating));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Stops the run because its claim is lost or its store failed; later saves are not attempted. */
  fail(flow: string, runId: string, cause: unknown, creating = false): void {
    if (this.failure) return;
    const why = cause instanceof Error ? cause.message : String(cause);
    this.failure =
      cause instanceof RunFencedError
        ? cause
        : creating && cause instanceof RunExistsError
          ? new RunExistsError(
              runId,
              `Could not create run "${runId}" of flow "${flow}": ${why}. Nothing ran and the stored run was left as it is; ` +
                `start() always begins a new run: use run() for an idempotent run id, or resume() to continue a stored run.`,
              { flow, cause },
            )
          : new StoreError(
              creating
              ? `Could not create run "${runId}" of flow "${flow}": ${why}. Nothing ran; try again once the store works.`
              : `Could not save run "${runId}" of flow "${flow}": ${why}. ` +
                  `The run was stopped rather than go on without durability; resume it from its last saved snapshot once the store works.`,
            { flow, cause },
          );
    this.onFailure(this.failure);
  }

  /** Resolves when every queued save is durable; rejects when one failed. */
  async durable(): Promise<void> {
    // XState starts an attempt's actor just before it tells observers about the snapshot that
    // invoked it; one microtask later that snapshot's save is queued, and waited for here.
    await Promise.resolve();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.failure) throw this.failure;
  }
}

/** Builds the stored record of a snapshot, with what a listing shows. */
export function toRecord(snapshot: SnapshotLike, persisted: Json, seq: number, claim: Omit<SaveClaim, "store" | "seq" | "isNew">): RunRecord {
  const { context } = snapshot;
  const status: RunStatus = snapshot.status === "done" && context.status !== "running" ? context.status : "running";
  const progress = describeProgress(context);
  return {
    runId: context.runId,
    flow: context.flow.name,
    version: context.flow.version,
    definitionHash: context.flow.definitionHash,
    inputHash: claim.inputHash,
    status,
    seq,
    snapshot: persisted,
    currentStep: progress.step,
    // While running, the current step's attempts; once ended, every attempt the run's steps made.
    attempts: status === "running" ? progress.attempts : Object.values(context.steps).reduce((sum, step) => sum + step.attempts, 0),
    lastError: status === "running" ? progress.lastError : (context.error?.message ?? null),
    owner: status === "running" ? thisOwner : null,
    fence: claim.fence,
    leaseUntil: status === "running" ? claim.leaseUntil : null,
    createdAt: claim.createdAt,
    updatedAt: Date.now(),
  };
}

/** What a listing adds to the name of a step that is not simply running. */
const STATE_NOTES: Record<string, string> = { retrying: " (waiting to retry)", signal: " (waiting for its signal)", sleep: " (sleeping)" };

/** What a run is doing now, for listings: its active step(s) or undo, their attempts, and their last error. */
export function describeProgress(context: FlowContext): { step: string | null; attempts: number; lastError: string | null } {
  const current = activeRecords(context).map(({ kind, name, record }) => ({
    name: `${kind === "compensation" ? "undo " : ""}${name}${STATE_NOTES[record.status === "waiting" ? (record.pause ?? "signal") : record.status] ?? ""}`,
    record,
  }));
  // Only the error of what is in flight is current: a step that failed once and then succeeded has none.
  const lastError = current
    .map((c) => c.record.history[c.record.history.length - 1]?.error ?? c.record.error)
    .find((error) => error !== null && error !== undefined);
  return {
    step: current.length > 0 ? current.map((c) => c.name).join(", ") : null,
    attempts: current.reduce((most, c) => Math.max(most, c.record.attempts), 0),
    lastError: lastError?.message ?? null,
  };
}
