/**
 * The original error objects of runs in this process, by run id then by key
 * (`step:<name>`, `compensation:<name>`, `flow`). Snapshots hold only error records;
 * results of in-process runs hand back the originals from here.
 */
export class LiveErrors {
  private readonly runs = new Map<string, Map<string, unknown>>();

  /** Starts keeping originals for a run. */
  track(runId: string): void {
    if (!this.runs.has(runId)) this.runs.set(runId, new Map());
  }

  /** Stops keeping originals for a run and forgets them. */
  release(runId: string): void {
    this.runs.delete(runId);
  }

  /** Keeps an original when the run is tracked. */
  set(runId: string, key: string, error: unknown): void {
    this.runs.get(runId)?.set(key, error);
  }

  /** The original kept under `key`, if any. */
  get(runId: string, key: string): unknown {
    return this.runs.get(runId)?.get(key);
  }
}
