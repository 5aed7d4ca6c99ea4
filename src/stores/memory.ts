import { RunExistsError, RunFencedError, RunNotFoundError, StoreError } from "../errors.js";
import { decodeRunCursor, encodeRunCursor, isAfter } from "./cursor.js";
import type { RunPage, RunQuery, RunRecord, RunStore, RunSummary, StoredSignal } from "./types.js";

/** Keeps runs in this process's memory: for tests, and for idempotent run ids within one process. */
export function memoryStore(): RunStore {
  const runs = new Map<string, RunRecord>();
  /** Each run's signals by id, with whether a save took it in. */
  const signals = new Map<string, Map<string, { signal: StoredSignal; taken: boolean }>>();
  let closed = false;
  const open = () => {
    if (closed) throw new StoreError("The memory store is closed");
  };
  return {
    async create(record) {
      open();
      if (runs.has(record.runId)) throw new RunExistsError(record.runId);
      runs.set(record.runId, structuredClone(record));
    },
    async claim(runId, request) {
      open();
      const stored = runs.get(runId);
      if (!stored || stored.fence !== request.fence || stored.leaseUntil !== request.heldUntil) return undefined;
      const claimed = { ...stored, fence: stored.fence + 1, owner: request.owner, leaseUntil: request.leaseUntil };
      runs.set(runId, claimed);
      return { fence: claimed.fence, record: structuredClone(claimed) };
    },
    async save(record, effects) {
      open();
      const stored = runs.get(record.runId);
      if (!stored || stored.fence !== record.fence) throw fencedSaveError(record.runId, stored?.fence, record.fence);
      if (stored.seq >= record.seq) return;
      // A save never moves the lease (renew does); a run that ended is held by nobody.
      const leaseUntil = record.status === "running" ? stored.leaseUntil : null;
      runs.set(record.runId, { ...structuredClone(record), leaseUntil });
      for (const id of effects?.takeSignals ?? []) {
        const kept = signals.get(record.runId)?.get(id);
        if (kept) kept.taken = true;
      }
    },
    async signal(runId, signal) {
      open();
      if (!runs.has(runId)) throw new RunNotFoundError(runId);
      let kept = signals.get(runId);
      if (!kept) signals.set(runId, (kept = new Map()));
      if (kept.has(signal.id)) return false;
      kept.set(signal.id, { signal: structuredClone(signal), taken: false });
      return true;
    },
    async signals(runId) {
      open();
      return [...(signals.get(runId)?.values() ?? [])].filter((kept) => !kept.taken).map((kept) => structuredClone(kept.signal));
    },
    async renew(runId, fence, leaseUntil) {
      open();
      const stored = runs.get(runId);
      if (!stored || stored.fence !== fence) return false;
      stored.leaseUntil = leaseUntil;
      return true;
    },
    async release(runId, fence) {
      open();
      const stored = runs.get(runId);
      if (stored && stored.fence === fence) Object.assign(stored, { owner: null, leaseUntil: null });
    },
    async load(runId) {
      open();
      const stored = runs.get(runId);
      return stored && structuredClone(stored);
    },
    async list(query: RunQuery = {}) {
      open();
      return pageOf([...runs.values()], query);
    },
    async delete(runId, fence) {
      open();
      if (fence === undefined || runs.get(runId)?.fence === fence) {
        runs.delete(runId);
        signals.delete(runId);
      }
    },
    async close() {
      closed = true;
    },
  };
}

/** The error a store gives for a save whose fence is not the run's current one. */
export function fencedSaveError(runId: string, current: number | undefined, given: number): RunFencedError {
  return new RunFencedError(runId, current === undefined ? "the run is no longer stored" : `its fence is ${current}, this owner's is ${given}`);
}

/** Applies a {@link RunQuery} to records in memory: filters, newest first, one page. */
function pageOf(records: RunRecord[], query: RunQuery): RunPage {
  const statuses = query.status === undefined ? undefined : ([] as string[]).concat(query.status);
  const after = query.after === undefined ? undefined : decodeRunCursor(query.after);
  const limit = query.limit ?? 100;
  const matching = records
    .filter((record) => (statuses ? statuses.includes(record.status) : true))
    .filter((record) => (query.flow ? record.flow === query.flow : true))
    .filter((record) => (query.updatedAfter === undefined ? true : record.updatedAt > query.updatedAfter))
    .filter((record) => (after ? isAfter(record, after) : true))
    .sort((a, b) => b.updatedAt - a.updatedAt || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  const runs = matching.slice(0, limit).map(summaryOf);
  const last = runs[runs.length - 1];
  return matching.length > limit && last ? { runs, next: encodeRunCursor(last) } : { runs };
}

/** A record without its snapshot. */
export function summaryOf(record: RunRecord): RunSummary {
  const { snapshot: _snapshot, ...summary } = record;
  return summary;
}
