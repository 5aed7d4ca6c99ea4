import { RunTimeoutError, SnapshotError } from "../errors.js";
import type { RunStore } from "../stores/types.js";
import type { FlowResult } from "../types.js";
import { storedResult } from "./durable.js";

/** How long `flow.result()` waits by default. */
export const DEFAULT_RESULT_TIMEOUT_MS = 60_000;

/**
 * `flow.result()`: resolves with a run's result once it has ended, from whichever process ran it.
 * A store that tells when a run ends (PostgreSQL) is listened to, so the result comes as soon as
 * the end is committed; the store is also read, backing off from 25 ms to 500 ms between reads
 * (never a busy loop), which is all a store without that word gets. Rejects with
 * `RunTimeoutError` after `timeoutMs`.
 */
export async function awaitResult(flow: string, store: RunStore, runId: string, timeoutMs = DEFAULT_RESULT_TIMEOUT_MS): Promise<FlowResult> {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new TypeError(`Expected timeoutMs to be a non-negative number, got ${String(timeoutMs)}`);
  const deadline = Date.now() + timeoutMs;
  // Listening is not waited for (a database that does not answer must not hold up the reads and
  // the timeout); an end committed before it listens is found by the next read. A store that
  // cannot listen is only read.
  const watching = store.endings?.watch(runId).catch(() => undefined);
  // Heard once, the word is spent: later waits are the reads' backoff alone (never a busy loop).
  let ended: Promise<void> | undefined = watching?.then((watch) => watch?.ended ?? new Promise<never>(() => {})).then(() => {
    ended = undefined;
  });
  try {
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      const record = await store.load(runId);
      if (record && record.flow !== flow) {
        throw new SnapshotError(`Run "${runId}" belongs to flow "${record.flow}", not "${flow}"`, { flow });
      }
      if (record && record.status !== "running") return storedResult(record);
      const left = deadline - Date.now();
      if (left <= 0) {
        const state = !record
          ? "no run with this id is stored"
          : record.owner === null
            ? "it is queued and no worker holds it"
            : `it is still running (${record.currentStep ?? "between steps"}) in ${record.owner}`;
        throw new RunTimeoutError(flow, runId, timeoutMs, state);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const backoff = new Promise((resolve) => (timer = setTimeout(resolve, Math.min(delay, left))));
      await (ended ? Promise.race([backoff, ended]) : backoff);
      clearTimeout(timer);
    }
  } finally {
    void watching?.then((watch) => watch?.stop());
  }
}
