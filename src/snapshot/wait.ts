import type { FlowContext } from "./context.js";
import { activeRecords } from "./read.js";

/**
 * When a run has something to do again, if all it does now is wait: the earliest deadline of its
 * waits (retry waits today; a durable sleep or a wait's timeout is one more deadline). `undefined`
 * while any step or compensation is running, or when nothing is active. A run that only waits can
 * be parked until this time: its lease released, and a queued wake-up at the deadline.
 */
export function waitingUntil(context: FlowContext): number | undefined {
  const active = activeRecords(context);
  if (active.length === 0) return undefined;
  let earliest = Number.POSITIVE_INFINITY;
  for (const { record } of active) {
    if (record.status !== "retrying" || record.retryAt === null) return undefined;
    earliest = Math.min(earliest, record.retryAt);
  }
  return earliest;
}
