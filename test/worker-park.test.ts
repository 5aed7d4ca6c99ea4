import { afterAll, afterEach, describe, expect, it } from "vitest";
import { parkSaga } from "./fixtures/worker-flows.js";
import { dropDatabases, postgresUnavailable } from "./support/postgres.js";
import { killWorkers, setUp, startWorker, until } from "./support/workers.js";

/**
 * A long retry wait leaves the worker's memory: the run is parked (lease released, a pg-boss job
 * due at the retry's deadline), and whichever worker is free then wakes it, here another process
 * than the one that parked it, which has exited by then.
 */

const skip = await postgresUnavailable();
const databases: string[] = [];
afterEach(killWorkers);
afterAll(() => dropDatabases(databases));

describe.skipIf(skip !== undefined)("parking long retry waits", () => {
  it("parks a run waiting 10 s for a retry; another worker, started after the first exited, wakes it on time", async () => {
    const { name, url, store, effects } = await setUp();
    databases.push(name);
    const env = { STEP_MS: "20", FAIL_RATE: "0", RETRY_MS: "10000" };
    const first = await startWorker(url, { env });
    await parkSaga.enqueue({ orderId: "p-1" }, { store, runId: "p-1" });
    await until(async () => (await store.load("p-1"))?.owner === null && (await effects()).length === 1, "the run to be parked", 20_000);
    const parked = await store.load("p-1");
    const failedAt = (await effects())[0]?.ended_at ?? 0;
    // Parked: nobody holds it; the lease column says until when it sleeps (the retry's deadline).
    expect(parked).toMatchObject({ status: "running", owner: null, currentStep: "charge (waiting to retry)" });
    const wakeAt = parked?.leaseUntil ?? 0;
    expect(wakeAt).toBeGreaterThanOrEqual(failedAt + 10_000 - 50);
    expect(wakeAt).toBeLessThan(failedAt + 10_000 + 1_000);
    expect(first.stdout()).toMatch(/run p-1 parked until /);

    // The first worker holds nothing, so it exits at once; the second knows nothing of the run.
    first.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const second = await startWorker(url, { env });
    const result = await parkSaga.result("p-1", { store, timeoutMs: 30_000 });
    expect(result.status).toBe("completed");

    const log = await effects();
    expect(log.map((e) => [e.step, e.attempt, e.pid])).toEqual([
      ["charge", 1, first.pid],
      ["charge", 2, second.pid],
      ["ship", 1, second.pid],
    ]);
    const wokenAt = log[1]?.started_at ?? 0;
    console.log(`park: retry due at ${wakeAt}, started ${wokenAt - wakeAt} ms after it, in another worker`);
    // On time: not before its deadline, and within a poll or two after it.
    expect(wokenAt).toBeGreaterThanOrEqual(wakeAt);
    expect(wokenAt - wakeAt).toBeLessThan(2_000);
    await store.close();
  }, 60_000);
});
