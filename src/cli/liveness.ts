import type { RunSummary } from "orchestrix";
import { isRunHeld as isHeld } from "orchestrix";

/** Whether an unfinished run has lost its process (it can be resumed or cancelled from here); `false` for ended runs. */
export function isOrphaned(record: RunSummary): boolean {
  return record.status === "running" && !isHeld(record);
}

/** The run's owner and whether it still holds the run, e.g. `host:4242 (process gone: the run can be resumed)`. */
export function describeOwner(record: RunSummary): string {
  if (record.status !== "running") return "(none: the run has ended)";
  const owner = record.owner ?? "(unknown)";
  return isOrphaned(record) ? `${owner} (process gone: the run can be resumed or cancelled)` : `${owner} (alive)`;
}
