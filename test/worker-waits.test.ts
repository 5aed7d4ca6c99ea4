import { afterAll, afterEach, describe, expect, it } from "vitest";
import { postgresStore } from "orchestrix/postgres";
import { waitSaga } from "./fixtures/worker-flows.js";
import { dropDatabases, postgresUnavailable } from "./support/postgres.js";
import { killWorkers, setUp, startWorker, until } from "./support/workers.js";

/**
 * Durable waits on workers: a run waiting for a signal leaves the worker's memory (parked, no job
 * due), the signal sent from another process wakes it on whichever worker is free, and a sleep
 * parks it until its deadline.
 */

const skip = await postgresUnavailable();
const databases: string[] = [];
afterEach(killWorkers);
afterAll(() => dropDatabases(databases));

describe.skipIf(skip !== undefined)("waits on PostgreSQL workers", () => {
  it("parks a run waiting for its signal; the signal, sent after that worker exited, wakes it on another; its sleep parks it until the deadline", async () => {
    const { name, url, store, effects } = await setUp();
    databases.push(name);
    const env = { STEP_MS: "10", FAIL_RATE: "0", SLEEP_MS: "1500" };
    const first = await startWorker(url, { env, parkAfterMs: 500 });
    await waitSaga.enqueue({ orderId: "w-1" }, { store, runId: "w-1" });
    await until(async () => (await store.load("w-1"))?.owner === null && (await effects()).length === 1, "the run to park at its wait", 20_000);
    expect(await store.load("w-1")).toMatchObject({ status: "running", owner: null, leaseUntil: null, currentStep: "paid (waiting for its signal)" });
    await until(async () => first.stdout().includes("run w-1 parked until its signal"), "the worker to say so", 5_000);
    first.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    const second = await startWorker(url, { env, parkAfterMs: 500 });
    // Another process, another store: only the database and the queue carry the signal over.
    const sender = postgresStore({ connectionString: url });
    const refused = waitSaga.signal("w-1", "paid", { chargeId: 7 } as never, { store: sender });
    await expect(refused).rejects.toThrow(/Invalid payload for wait "paid"/);
    const receipt = await waitSaga.signal("w-1", "paid", { chargeId: "ch_9" }, { store: sender, signalId: "evt-9" });
    expect(receipt).toEqual({ signalId: "evt-9", duplicate: false });
    await sender.close();

    await until(async () => (await store.load("w-1"))?.currentStep === "cool-off (sleeping)" && (await store.load("w-1"))?.owner === null, "the sleep to park", 20_000);
    const parked = await store.load("w-1");
    const sleepUntil = parked?.leaseUntil ?? 0;
    expect(sleepUntil).toBeGreaterThan(Date.now());
    const result = await waitSaga.result("w-1", { store, timeoutMs: 30_000 });
    expect(result.status).toBe("completed");
    expect(result.outputs.paid).toEqual({ chargeId: "ch_9" });
    const log = await effects();
    expect(log.map((effect) => [effect.step, effect.pid])).toEqual([
      ["reserve", first.pid],
      ["ship ch_9", second.pid],
    ]);
    // Woken at the sleep's deadline, not before.
    expect(log[1]?.started_at ?? 0).toBeGreaterThanOrEqual(sleepUntil);
    expect(await store.signals("w-1")).toEqual([]);
    await store.close();
  }, 60_000);
});
