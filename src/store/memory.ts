import { StoreError } from "../errors.js";
import type { RunQuery, RunRecord, RunStore } from "./types.js";

/** Keeps runs in this process's memory: for tests, and for idempotent run ids within one process. */
export function memoryStore(): RunStore {
  const runs = new Map<string, RunRecord>();
  let closed = false;
  const open = () => {
    if (closed) throw new StoreError("The memory store is closed");
  };
  return {
    async create(record) {
      open();
      if (runs.has(record.runId)) throw new StoreError(`A run with id "${record.runId}" already exists`);
      runs.set(record.runId, structuredClone(record));
    },
    async save(record) {
      open();
      const stored = runs.get(record.runId);
      if (stored && stored.seq >= record.seq) return;
      runs.set(record.runId, structuredClone(record));
    },
    async load(runId) {
      open();
      const stored = runs.get(runId);
      return stored && structuredClone(stored);
    },
    async list(query: RunQuery = {}) {
      open();
      return filterRuns([...runs.values()], query).map((record) => structuredClone(record));
    },
    async delete(runId) {
      open();
      runs.delete(runId);
    },
    async close() {
      closed = true;
    },
  };
}

/** Applies a {@link RunQuery} to records in memory: filters, newest first, limit. */
export function filterRuns(records: RunRecord[], query: RunQuery): RunRecord[] {
  const statuses = query.status === undefined ? undefined : ([] as string[]).concat(query.status);
  return records
    .filter((record) => (statuses ? statuses.includes(record.status) : true))
    .filter((record) => (query.flow ? record.flow === query.flow : true))
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .slice(0, query.limit ?? 100);
}
