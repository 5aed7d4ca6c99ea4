import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { RunStore } from "orchestrix";
import { workerSaga } from "./fixtures/worker-flows.js";
import { dropDatabases, postgresUnavailable } from "./support/postgres.js";
import { killWorkers, setUp, startWorker } from "./support/workers.js";

/**
 * `flow.result()` on PostgreSQL hears a run's end (LISTEN/NOTIFY) instead of waiting for its next
 * look at the store: runs of about 1.6 s on a real worker process, their results awaited here.
 */

const skip = await postgresUnavailable();
const databases: string[] = [];
afterEach(killWorkers);
afterAll(() => dropDatabases(databases));

/** How long after each run's last save (its `updatedAt`, set by the worker) its result arrived here, ms. */
async function lags(store: RunStore, prefix: string): Promise<number[]> {
  const ids = Array.from({ length: 8 }, (_, i) => `${prefix}-${i}`);
  for (const runId of ids) await workerSaga.enqueue({ orderId: runId }, { store, runId });
  const arrived = await Promise.all(ids.map(async (runId) => (await workerSaga.result(runId, { store, timeoutMs: 30_000 }), Date.now())));
  const records = await Promise.all(ids.map((runId) => store.load(runId)));
  return records.map((record, i) => {
    expect(record?.status).toBe("completed");
    return arrived[i]! - record!.updatedAt;
  });
}

describe.skipIf(skip !== undefined)("flow.result on PostgreSQL", () => {
  it("answers within 150 ms of a run's end in another process, where reading the store alone takes up to 500 ms", async () => {
    const { name, url, store } = await setUp();
    databases.push(name);
    await startWorker(url, { env: { STEP_MS: "400", FAIL_RATE: "0" }, concurrency: 8 });

    const heard = await lags(store, "heard");
    // The same store without its word of endings: only its reads, backing off to 500 ms.
    const { endings: _unused, ...readOnly } = store;
    const read = await lags(readOnly, "read");
    console.log(`flow.result after a run's end: heard ${heard.join(", ")} ms; by reading alone ${read.join(", ")} ms`);

    expect(Math.max(...heard)).toBeLessThan(150);
    // Reading alone lands anywhere in its 500 ms backoff: all 8 under 150 ms would be a 1-in-15,000 chance.
    expect(Math.max(...read)).toBeGreaterThan(150);
    await store.close();
  }, 60_000);
});
