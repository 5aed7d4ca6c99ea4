import type { RunRecord } from "orchestrix";
import { ownerAlive } from "../owner.js";

/** How long a run held by a process on another host counts as held after its last save: `resume`'s default. */
const STALE_AFTER_MS = 60_000;

/** Whether an unfinished run has lost its process (it can be resumed or cancelled from here); `false` for ended runs. */
export function isOrphaned(record: RunRecord): boolean {
  return record.status === "running" && !ownerAlive(record, STALE_AFTER_MS);
}

/** The run's owner and whether it still holds the run, e.g. `host:4242 (process gone: the run can be resumed)`. */
export function describeOwner(record: RunRecord): string {
  if (record.status !== "running") return "(none: the run has ended)";
  const owner = record.owner ?? "(unknown)";
  return isOrphaned(record) ? `${owner} (process gone: the run can be resumed or cancelled)` : `${owner} (alive)`;
}
