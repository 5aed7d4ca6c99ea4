import type { RunSummary } from "orchestrix";
import { isRunHeld as isHeld } from "orchestrix";

/** Whether an unfinished run has lost its process (it can be resumed or cancelled from here); `false` for ended runs. */
export function isOrphaned(record: RunSummary): boolean {
  return record.status === "running" && !isHeld(record);
}

/**
 * Why nobody holds an unfinished run, when that is by design: `queued` (enqueued, no worker has
 * started it), `parked until …` (waiting for a deadline, or for its signal), or `handed back` (a worker that
 * stopped gave it back); `undefined` when the run has an owner or has ended.
 */
export function describeUnowned(record: RunSummary, now = Date.now()): string | undefined {
  if (record.status !== "running" || record.owner !== null) return undefined;
  if (record.seq === 0) return "queued";
  if (record.leaseUntil !== null && record.leaseUntil > now) return `parked until ${new Date(record.leaseUntil).toISOString()}`;
  if (record.currentStep?.endsWith("(waiting for its signal)")) return "parked until its signal is sent";
  return "handed back";
}

/** The run's owner and whether it still holds the run, e.g. `host:4242 (process gone: the run can be resumed)`. */
export function describeOwner(record: RunSummary): string {
  if (record.status !== "running") return "(none: the run has ended)";
  const unowned = describeUnowned(record);
  if (unowned) return `(none: ${unowned}; any worker, or runs resume, may take it)`;
  const owner = record.owner ?? "(unknown)";
  return isOrphaned(record) ? `${owner} (process gone: the run can be resumed or cancelled)` : `${owner} (alive)`;
}

/**
 * A run's status as the CLI shows it: why nobody holds it when that is by design, or that its
 * process is gone; `long` adds the details (`parked until …`, `its process is gone`).
 */
export function describeStatus(record: RunSummary, now: number, long: boolean): string {
  const unowned = describeUnowned(record, now);
  if (unowned) return `running (${long ? unowned : unowned.replace(/ until .*/, "")})`;
  if (isOrphaned(record)) return long ? "running (orphaned: its process is gone)" : "running (orphaned)";
  return record.status;
}
