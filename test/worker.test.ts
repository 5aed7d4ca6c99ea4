import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createWorker } from "orchestrix/postgres";
import { workerSaga } from "./fixtures/worker-flows.js";
import { dropDatabases, postgresUnavailable } from "./support/postgres.js";
import { groupBy, killWorkers, overlaps, runsOwnedBy, setUp, startWorker, until } from "./support/workers.js";

/**
 * Workers on pg-boss, as real processes (`orchestrix worker`), really killed (SIGKILL) and
 * stopped (SIGTERM); a stalled worker (SIGSTOP) is in worker-stall.test.ts. Every attempt of every step is logged with its process and times
 * in the database, so the test can check what ran where.
 */

const skip = await postgresUnavailable();
const databases: string[] = [];
afterEach(killWorkers);
afterAll(() => dropDatabases(databases));

describe.skipIf(skip !== undefined)("workers on pg-boss", () => {
  it("300 sagas on 3 workers with random transient failures: one SIGKILLed, one restarted (SIGTERM); all end right, none lost, only the killed one's steps repeated", async () => {
    const { name, url, store, effects } = await setUp();
    databases.push(name);
    const env = { STEP_MS: "40", FAIL_RATE: "0.2" };
    const options = { env, leaseMs: 1_500, concurrency: 6 };
    const [victim, restarted, third] = await Promise.all([startWorker(url, options), startWorker(url, options), startWorker(url, options)]);
    if (!victim || !restarted || !third) throw new Error("three workers should have started");
    const ids = Array.from({ length: 300 }, (_, i) => `order-${i}`);
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(ids.slice(i, i + 25).map((runId) => workerSaga.enqueue({ orderId: runId }, { store, runId })));
    }
    const completed = async () => (await store.list({ status: "completed", limit: 1_000 })).runs.length;

    const killedPid = victim.pid ?? 0;
    await until(async () => (await completed()) >= 50 && (await runsOwnedBy(store, killedPid)).length >= 2, "the first worker to be mid-way");
    const held = await runsOwnedBy(store, killedPid);
    victim.kill("SIGKILL");
    const killedAt = Date.now();
    // The takeover time, watched meanwhile: until another worker has claimed every run the dead one held.
    const takenOver = until(async () => {
      const records = await Promise.all(held.map((runId) => store.load(runId)));
      return records.every((record) => record && !record.owner?.endsWith(`:${killedPid}`));
    }, "the dead worker's runs to be taken over", 20_000).then(() => Date.now() - killedAt);

    await until(async () => (await completed()) >= 150, "half the runs to complete", 60_000);
    const stoppedPid = restarted.pid ?? 0;
    restarted.kill("SIGTERM");
    const terminatedAt = Date.now();
    expect(await restarted.exited).toBe(0);
    const stopMs = Date.now() - terminatedAt;
    const handedBack = (restarted.stdout().match(/ handed back/g) ?? []).length;
    await startWorker(url, options);

    const takeoverMs = await takenOver;

    // One poll for all of them; then each result, from the store.
    await until(async () => (await completed()) === ids.length, "every run to complete", 120_000);
    const results = [];
    for (const runId of ids) results.push(await workerSaga.result(runId, { store, timeoutMs: 1_000 }));
    console.log(
      `workers: 300 runs on 3 workers; ${held.length} held by the SIGKILLed one, all taken over within ${takeoverMs} ms; ` +
        `the SIGTERMed one handed back ${handedBack} and exited in ${stopMs} ms`,
    );
    expect(results.map((r) => r.status)).toEqual(ids.map(() => "completed"));
    expect(takeoverMs).toBeLessThan(5_000);
    expect(stopMs).toBeLessThan(5_000);
    expect(handedBack).toBeGreaterThan(0);

    const log = await effects();
    expect(overlaps(log, killedAt)).toEqual([]);
    // An attempt ran more than once only where the killed worker had begun it before it died.
    const repeated = [...groupBy(log, (e) => `${e.run_id}/${e.step}/${e.attempt}`).values()].filter((list) => list.length > 1);
    const wrongly = repeated.filter((list) => list.slice(0, -1).some((e) => e.pid !== killedPid || e.started_at > killedAt));
    expect(wrongly).toEqual([]);
    expect(log.filter((e) => e.ended_at === null).every((e) => e.pid === killedPid)).toBe(true);
    // Every step of every run succeeded: once, or again only after the killed worker's success went unsaved.
    const succeeded = groupBy(log.filter((e) => e.ok === true), (e) => `${e.run_id}/${e.step}`);
    expect(succeeded.size).toBe(300 * 4);
    expect([...succeeded.values()].filter((list) => list.length > 1 && list.slice(0, -1).some((e) => e.pid !== killedPid))).toEqual([]);
    // The stopped worker left nothing half-done: each of its attempts ended before it exited.
    expect(log.filter((e) => e.pid === stoppedPid).every((e) => e.ended_at !== null && e.ended_at <= Date.now())).toBe(true);
    const records = await Promise.all(ids.map((runId) => store.load(runId)));
    expect(records.every((record) => record?.status === "completed" && record.owner === null)).toBe(true);

    await store.close();
  }, 180_000);

  it("stop() finishes the step in flight and hands the run back; another worker goes on from there, no step run twice", async () => {
    const { name, url, store, effects } = await setUp();
    databases.push(name);
    process.env["DATABASE_URL"] = url;
    const first = createWorker({ store, flows: [workerSaga], concurrency: 2, log: () => {} });
    await first.start();
    await workerSaga.enqueue({ orderId: "local-1" }, { store, runId: "local-1" });
    await until(async () => (await effects()).length > 0, "the first step to start");
    await first.stop();
    const stoppedAt = Date.now();
    expect(first.inFlight).toBe(0);
    const handedBack = await store.load("local-1");
    // Saved at a boundary and given back: nobody holds it, and what ran here had ended. If the step in
    // flight failed (the saga fails a fifth of its attempts), the run was handed back waiting for its
    // 20 ms retry: parked until then rather than released.
    expect(handedBack).toMatchObject({ status: "running", owner: null });
    expect(handedBack?.leaseUntil === null || (handedBack?.leaseUntil ?? 0) < Date.now() + 1_000).toBe(true);
    const before = await effects();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((e) => e.ended_at !== null && e.ended_at <= stoppedAt)).toBe(true);

    const second = createWorker({ store, flows: [workerSaga], concurrency: 2, log: () => {} });
    await second.start();
    expect(await workerSaga.result("local-1", { store, timeoutMs: 30_000 })).toMatchObject({ status: "completed" });
    await second.stop();
    const log = await effects();
    const succeeded = groupBy(log.filter((e) => e.ok === true), (e) => e.step);
    expect([...succeeded.keys()].sort()).toEqual(["confirm-order", "process-payment", "reserve-stock", "send-email"]);
    expect([...succeeded.values()].every((list) => list.length === 1)).toBe(true);
    // What the second worker ran began after the first had stopped, and no attempt was left open.
    expect(log.slice(before.length).every((e) => e.started_at >= stoppedAt)).toBe(true);
    expect(log.every((e) => e.ended_at !== null)).toBe(true);
    await expect(workerSaga.result("never-queued", { store, timeoutMs: 200 })).rejects.toThrow(/did not end within 200 ms: no run with this id is stored/);
    await store.close();
  }, 60_000);
});
