/** What the engine keeps about a run while it is live in this process (never in the snapshot). */
interface LiveRun {
  /** Original error objects by key (`step:<name>`, `compensation:<name>`, `flow`); made on the first error. */
  errors: Map<string, unknown> | undefined;
  /** Resolves when every snapshot so far is durable; attempts wait for it before they start. Absent without a store. */
  durable: (() => Promise<void>) | undefined;
  /** Attempts in flight in the snapshot this run was restored from (`step:<name>:<attempt>`); only for restored runs. */
  restored: Set<string> | undefined;
}

/**
 * The runs of one compiled flow that are live in this process, by run id. Snapshots hold only
 * error records; results of in-process runs hand back the originals kept here.
 */
export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

  /** Starts keeping a run's originals; `durable` gates its attempts on its store. */
  track(runId: string, durable?: () => Promise<void>): void {
    this.runs.set(runId, { errors: undefined, durable, restored: undefined });
  }

  /** Forgets a run. */
  release(runId: string): void {
    this.runs.delete(runId);
  }

  /** Keeps an original error when the run is tracked. */
  setError(runId: string, key: string, error: unknown): void {
    const run = this.runs.get(runId);
    if (run) (run.errors ??= new Map()).set(key, error);
  }

  /** The original error kept under `key`, if any. */
  getError(runId: string, key: string): unknown {
    return this.runs.get(runId)?.errors?.get(key);
  }

  /** Notes the attempts that were in flight in the snapshot a run is restored from. */
  noteRestored(runId: string, keys: readonly string[]): void {
    const run = this.runs.get(runId);
    if (run) run.restored = new Set(keys);
  }

  /** Whether an attempt was begun by the process a run was restored from (it may have run there). */
  wasRestored(runId: string, key: string): boolean {
    return this.runs.get(runId)?.restored?.has(key) ?? false;
  }

  /** Waits until the run's snapshots so far are durable; `undefined` when the run has no store. */
  durable(runId: string): Promise<void> | undefined {
    return this.runs.get(runId)?.durable?.();
  }
}
