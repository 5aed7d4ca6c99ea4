import { RunTimeoutError, SnapshotError } from "../errors.js";
import type { RunStore } from "../stores/types.js";
import type { FlowResult } from "../types.js";
import { storedResult } from "./durable.js";

/** How long `flow.result()` waits by default. */
export const DEFAULT_RESULT_TIMEOUT_MS = 60_000;

/**
 * `flow.result()`: resolves with a run's result once it has ended, from whichever process ran it.
 * Reads the store, backing off from 25 ms to 500 ms between reads (never a busy loop); rejects with
 * `RunTimeoutError` after `timeoutMs`.
 */
export async function awaitResult(flow: string, store: RunStore, runId: string, timeoutMs = DEFAULT_RESULT_TIMEOUT_MS): Promise<FlowResult> {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new TypeError(`Expected timeoutMs to be a non-negative number, got ${String(timeoutMs)}`);
  const deadline = Date.now() + timeoutMs;
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
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}
