import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { workerSaga } from "./fixtures/worker-flows.js";
import { privatePostgres, type PrivatePostgres } from "./support/private-postgres.js";
import { groupBy, killWorkers, setUp, startWorker, until } from "./support/workers.js";

/**
 * PostgreSQL restarted (`pg_ctl restart -m fast`, what `pg_ctlcluster … restart` does) under
 * running workers. It is a private server of this test: restarting the shared one would break
 * every other test on the machine.
 */

let server: PrivatePostgres | string = "not started";
beforeAll(async () => {
  server = await privatePostgres();
  if (typeof server === "string") console.warn(`\n!!! SKIPPING the worker restart test: ${server} !!!\n`);
});
afterEach(killWorkers);
afterAll(() => {
  if (typeof server !== "string") server.destroy();
});

describe("workers across a PostgreSQL restart", () => {
  it("finishes every run in flight when the database restarts under two workers; none is lost", async (context) => {
    if (typeof server === "string") return context.skip();
    const db = server;
    const { url, store, effects } = await setUp(db.url);
    // The steps log to the same database: a write cut by the restart is a transient failure, retried over the outage.
    const env = { STEP_MS: "60", FAIL_RATE: "0.1", RETRY_DELAY_MS: "500" };
    await Promise.all([startWorker(url, { env, leaseMs: 3_000 }), startWorker(url, { env, leaseMs: 3_000 })]);
    const ids = Array.from({ length: 40 }, (_, i) => `restart-${i}`);
    await Promise.all(ids.map((runId) => workerSaga.enqueue({ orderId: runId }, { store, runId })));
    const completed = async () => (await store.list({ status: "completed", limit: 1_000 })).runs.length;
    await until(async () => (await completed()) >= 8, "a few runs to complete");
    const inFlight = (await store.list({ status: "running", limit: 1_000 })).runs.filter((run) => run.owner !== null).length;
    const restartedAt = Date.now();
    db.restart();
    const downMs = Date.now() - restartedAt;

    await until(async () => (await completed()) === ids.length, "every run to complete after the restart", 90_000);
    console.log(`restart: ${inFlight} runs held by workers when PostgreSQL restarted (down ${downMs} ms); all ${ids.length} completed ${Date.now() - restartedAt} ms later`);
    expect(inFlight).toBeGreaterThan(0);
    const records = await Promise.all(ids.map((runId) => store.load(runId)));
    expect(records.map((record) => record?.status)).toEqual(ids.map(() => "completed"));
    // Every step of every run took effect.
    const succeeded = groupBy((await effects()).filter((e) => e.ok === true), (e) => `${e.run_id}/${e.step}`);
    expect(succeeded.size).toBe(ids.length * 4);
    await store.close();
  }, 120_000);
});
