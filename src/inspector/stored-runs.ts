/**
 * The store's runs as the inspector shows them: a window of the most recently updated ones, kept
 * fresh a little at a time (only what changed since the last look, through `updatedAfter`), and
 * pages of any query beyond that window. Every read is one indexed, limited listing of summaries,
 * never a scan of snapshots, so a store of 100k runs costs the server what a store of 100 does.
 */
import { encodeRunCursor, summaryOf, type RunPage, type RunQuery, type RunStatus, type RunStore, type RunSummary } from "orchestrix";

const STATUSES: readonly RunStatus[] = ["running", "completed", "failed", "cancelled", "compensation_failed"];

/** What a search of stored runs asks: `status:failed`, `flow:payment-saga`, a status or flow name, or a run id. */
export interface StoredQuery {
  status?: RunStatus;
  flow?: string;
  /** A bare word that is no status: a flow name, or a run id. */
  word?: string;
}

/** Reads the page's search text into a store query. */
export function parseStoredQuery(text: string): StoredQuery {
  const query: StoredQuery = {};
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const [key, ...rest] = token.split(":");
    const value = rest.join(":");
    if (key === "status" && (STATUSES as readonly string[]).includes(value)) query.status = value as RunStatus;
    else if (key === "flow" && value !== "") query.flow = value;
    else if ((STATUSES as readonly string[]).includes(token)) query.status = token as RunStatus;
    else query.word = token;
  }
  return query;
}

/** The store's runs, refreshed while a page is open. */
export class StoredRuns {
  /** The window: the most recently updated runs, newest first. */
  records: RunSummary[] = [];
  /** Why the last listing failed, if it did. */
  error: string | null = null;
  /** Bumped when the window changes. */
  version = 0;
  private readonly byId = new Map<string, RunSummary>();
  private pending: Promise<void> | undefined;
  private loaded = false;

  constructor(
    readonly store: RunStore,
    private readonly limit: number,
  ) {}

  /** Whether the window holds this run. */
  has(runId: string): boolean {
    return this.byId.has(runId);
  }

  /** The window's summary of this run. */
  get(runId: string): RunSummary | undefined {
    return this.byId.get(runId);
  }

  /** The cursor after the window's last run: where "more" goes on. */
  get next(): string | undefined {
    const last = this.records[this.records.length - 1];
    return last && this.records.length >= this.limit ? encodeRunCursor(last) : undefined;
  }

  /** Looks at the store again (one look at a time): the first time the newest page, then only what changed since. */
  refresh(): Promise<void> {
    this.pending ??= this.look()
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.error) this.version++;
        this.error = message;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** One page of the runs a search asks for (beyond the window). */
  async search(text: string, after?: string, limit = this.limit): Promise<RunPage> {
    const query = parseStoredQuery(text);
    const filters: RunQuery = {
      limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.flow !== undefined ? { flow: query.flow } : {}),
      ...(after !== undefined ? { after } : {}),
    };
    if (query.word === undefined) return this.store.list(filters);
    // A bare word: the run with that id, then the runs of the flow with that name.
    const [exact, ofFlow] = await Promise.all([
      after === undefined ? this.store.load(query.word) : Promise.resolve(undefined),
      query.flow === undefined ? this.store.list({ ...filters, flow: query.word }) : Promise.resolve<RunPage>({ runs: [] }),
    ]);
    const runs = exact && (query.status === undefined || exact.status === query.status) ? [summaryOf(exact), ...ofFlow.runs] : ofFlow.runs;
    return { runs, ...(ofFlow.next !== undefined ? { next: ofFlow.next } : {}) };
  }

  private async look(): Promise<void> {
    const newest = this.records[0]?.updatedAt;
    // Changes since the newest run seen (the millisecond it was seen in included: another save may share it).
    const page = await this.store.list(this.loaded && newest !== undefined ? { updatedAfter: newest - 1, limit: this.limit } : { limit: this.limit });
    const changed = page.runs.filter((run) => this.byId.get(run.runId)?.seq !== run.seq);
    const wasError = this.error !== null;
    this.error = null;
    if (!this.loaded || page.next !== undefined) {
      // The first look, or more changed than one page holds: the newest page is the window.
      this.replace(page.runs);
    } else if (changed.length > 0) {
      for (const run of changed) this.byId.set(run.runId, run);
      this.replace([...this.byId.values()]);
    } else {
      if (wasError) this.version++;
      return;
    }
    this.loaded = true;
    this.version++;
  }

  private replace(runs: RunSummary[]): void {
    const sorted = runs.sort((a, b) => b.updatedAt - a.updatedAt || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0)).slice(0, this.limit);
    this.records = sorted;
    this.byId.clear();
    for (const run of sorted) this.byId.set(run.runId, run);
  }
}
