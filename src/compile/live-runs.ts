/** What the engine keeps about a run while it is live in this process (never in the snapshot). */
interface LiveRun {
  /** Original error objects by key (`step:<name>`, `compensation:<name>`, `flow`). */
  errors: Map<string, unknown>;
  /** Resolves when every snapshot so far is durable; attempts wait for it before they start. */
  durable: () => Promise<void>;
  /** The controllers of attempts in flight, by key (`step:<name>`), so cancel can abort them. */
  attempts: Map<string, AbortController>;
  /** Attempts begun by this process (not restored from a snapshot another process began). */
  begun: Set<string>;
}

const alwaysDurable = () => Promise.resolve();

/**
 * The runs of one compiled flow that are live in this process, by run id. Snapshots hold only
 * error records; results of in-process runs hand back the originals kept here.
 */
export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

  /** Starts keeping a run's originals; `durable` gates its attempts on its store. */
  track(runId: string, durable: () => Promise<void> = alwaysDurable): void {
    this.runs.set(runId, { errors: new Map(), durable, attempts: new Map(), begun: new Set() });
  }

  /** Forgets a run. */
  release(runId: string): void {
    this.runs.delete(runId);
  }

  /** Keeps an original error when the run is tracked. */
  setError(runId: string, key: string, error: unknown): void {
    this.runs.get(runId)?.errors.set(key, error);
  }

  /** The original error kept under `key`, if any. */
  getError(runId: string, key: string): unknown {
    return this.runs.get(runId)?.errors.get(key);
  }

  /** Notes that this process began an attempt (`key` includes the attempt number). */
  noteBegun(runId: string, key: string): void {
    this.runs.get(runId)?.begun.add(key);
  }

  /** Whether this process began the attempt, rather than restoring it from a snapshot. */
  begunHere(runId: string, key: string): boolean {
    return this.runs.get(runId)?.begun.has(key) ?? false;
  }

  /** Registers an attempt in flight; returns the function that unregisters it. */
  registerAttempt(runId: string, key: string, controller: AbortController): () => void {
    const attempts = this.runs.get(runId)?.attempts;
    attempts?.set(key, controller);
    return () => {
      if (attempts?.get(key) === controller) attempts.delete(key);
    };
  }

  /** Aborts an attempt in flight (its `ctx.signal`), if there is one. */
  abortAttempt(runId: string, key: string, reason: unknown): void {
    this.runs.get(runId)?.attempts.get(key)?.abort(reason);
  }

  /** Waits until the run's snapshots so far are durable (at once for runs without a store). */
  durable(runId: string): Promise<void> {
    return (this.runs.get(runId)?.durable ?? alwaysDurable)();
  }
}
