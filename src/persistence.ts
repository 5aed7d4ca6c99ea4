import type { FlowContext, StepRecord } from "./compile/context.js";
import { StoreError } from "./errors.js";
import type { Json } from "./json.js";
import { thisOwner } from "./owner.js";
import type { RunRecord, RunStatus, RunStore } from "./stores/types.js";

/** The parts of an XState snapshot persistence reads. */
interface SnapshotLike {
  status: string;
  context: FlowContext;
}

/**
 * Saves a run after every transition, in order. Saves are not awaited one by one (so a store can
 * commit many in one transaction), but `durable()` waits for all of them: the engine awaits it
 * before each attempt starts and before it reports the result, so no step runs on an undurable past.
 */
export class RunPersistence {
  private seq: number;
  private readonly pending = new Set<Promise<void>>();
  private failure: StoreError | undefined;
  private first: boolean;

  constructor(
    private readonly store: RunStore,
    private readonly createdAt: number,
    options: { seq: number; isNew: boolean },
    private readonly onFailure: (error: StoreError) => void,
  ) {
    this.seq = options.seq;
    this.first = options.isNew;
  }

  /** Queues the save of one snapshot (call it from the actor's snapshot observer, in order). */
  record(snapshot: SnapshotLike, persisted: unknown): void {
    if (this.failure) return;
    const record = toRecord(snapshot, persisted as Json, ++this.seq, this.createdAt);
    const creating = this.first;
    const write = creating ? this.store.create(record) : this.store.save(record);
    this.first = false;
    const tracked = write.catch((cause: unknown) => {
      if (this.failure) return;
      const { flow, runId } = snapshot.context;
      const why = cause instanceof Error ? cause.message : String(cause);
      this.failure = new StoreError(
        creating
          ? `Could not create run "${runId}" of flow "${flow.name}": ${why}. Nothing ran and the stored run was left as it is; ` +
              `start() always begins a new run: use run() for an idempotent run id, or resume() to continue a stored run.`
          : `Could not save run "${runId}" of flow "${flow.name}": ${why}. ` +
              `The run was stopped rather than go on without durability; resume it from its last saved snapshot once the store works.`,
        { flow: flow.name, cause },
      );
      this.onFailure(this.failure);
    });
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
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
export function toRecord(snapshot: SnapshotLike, persisted: Json, seq: number, createdAt: number): RunRecord {
  const { context } = snapshot;
  const status: RunStatus = snapshot.status === "done" && context.status !== "running" ? context.status : "running";
  const progress = describeProgress(context);
  return {
    runId: context.runId,
    flow: context.flow.name,
    version: context.flow.version,
    definitionHash: context.flow.definitionHash,
    status,
    seq,
    snapshot: persisted,
    currentStep: progress.step,
    attempts: progress.attempts,
    lastError: progress.lastError,
    owner: status === "running" ? thisOwner : null,
    inputHash: "",
    fence: 1,
    leaseUntil: null,
    createdAt,
    updatedAt: Date.now(),
  };
}

/** What a run is doing now, for listings: its active step(s) or undo, their attempts, the latest error. */
export function describeProgress(context: FlowContext): { step: string | null; attempts: number; lastError: string | null } {
  const active = (records: Record<string, StepRecord>, prefix: string) =>
    Object.entries(records)
      .filter(([, record]) => record.status === "running" || record.status === "retrying")
      .map(([name, record]) => ({ name: `${prefix}${name}${record.status === "retrying" ? " (waiting to retry)" : ""}`, record }));
  const current = [...active(context.steps, ""), ...active(context.compensations, "undo ")];
  let lastError: { at: number; message: string } | undefined;
  for (const record of [...Object.values(context.steps), ...Object.values(context.compensations)]) {
    for (const attempt of record.history) {
      if (attempt.error && (!lastError || (attempt.endedAt ?? 0) >= lastError.at)) {
        lastError = { at: attempt.endedAt ?? 0, message: attempt.error.message };
      }
    }
  }
  return {
    step: current.length > 0 ? current.map((c) => c.name).join(", ") : null,
    attempts: current.reduce((most, c) => Math.max(most, c.record.attempts), 0),
    lastError: lastError?.message ?? null,
  };
}
