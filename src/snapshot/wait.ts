import type { FlowContext } from "./context.js";
import { activeRecords } from "./read.js";

/**
 * When a run has something to do again, if all it does now is wait: the earliest deadline of its
 * waits (a retry wait, a sleep, a wait's timeout), or `null` when it only waits for a signal with no
 * timeout (only the signal wakes it). `undefined` while any step or compensation is running, or when
 * nothing is active. A run that only waits can be parked until then: its lease released, and a
 * queued wake-up at the deadline (or when its signal is sent).
 */
export function waitingUntil(context: FlowContext): number | null | undefined {
  const active = activeRecords(context);
  if (active.length === 0) return undefined;
  let earliest = Number.POSITIVE_INFINITY;
  for (const { record } of active) {
    const deadline = record.status === "retrying" ? record.retryAt : record.status === "waiting" ? (record.until ?? Number.POSITIVE_INFINITY) : null;
    if (deadline === null) return undefined;
    earliest = Math.min(earliest, deadline);
  }
  return earliest === Number.POSITIVE_INFINITY ? null : earliest;
}
