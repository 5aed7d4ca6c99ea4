import { afterAll, afterEach, describe, expect, it } from "vitest";
import { workerSaga } from "./fixtures/worker-flows.js";
import { dropDatabases, postgresUnavailable } from "./support/postgres.js";
import { killWorkers, overlaps, runsOwnedBy, setUp, startWorker, until, type Effect } from "./support/workers.js";

/** A worker stalled with SIGSTOP past its lease, as a real process: its runs are taken over, and it is fenced when it comes back. */

const skip = await postgresUnavailable();
const databases: string[] = [];
afterEach(killWorkers);
afterAll(() => dropDatabases(databases));

describe.skipIf(skip !== undefined)("a stalled worker", () => {
  it("takes over the runs of a worker stalled with SIGSTOP; after SIGCONT its saves are refused and it starts no step", async () => {
    const { name, url, store, effects } = await setUp();
    databases.push(name);
    const env = { STEP_MS: "300", FAIL_RATE: "0" };
    const stalled = await startWorker(url, { env, leaseMs: 1_500, concurrency: 2 });
    const ids = Array.from({ length: 8 }, (_, i) => `stall-${i}`);
    const pid = stalled.pid ?? 0;
    // Its two slots take the first two runs; it is stopped while both are mid-step and nothing else is queued.
    for (const runId of ids.slice(0, 2)) await workerSaga.enqueue({ orderId: runId }, { store, runId });
    await until(async () => {
      const open = (await effects()).filter((e) => e.pid === pid && e.ended_at === null);
      return new Set(open.map((e) => e.run_id)).size === 2;
    }, "the worker to be mid-step in both runs");
    const held = await runsOwnedBy(store, pid);
    expect(held.sort()).toEqual(["stall-0", "stall-1"]);
    stalled.kill("SIGSTOP");
    const stoppedAt = Date.now();
    for (const runId of ids.slice(2)) await workerSaga.enqueue({ orderId: runId }, { store, runId });
    await startWorker(url, { env, leaseMs: 1_500 });
    const results = await Promise.all(ids.map((runId) => workerSaga.result(runId, { store, timeoutMs: 60_000 })));
    expect(results.every((r) => r.status === "completed")).toBe(true);

    stalled.kill("SIGCONT");
    const continuedAt = Date.now();
    // Each run it held: its next save or lease renewal is refused, and it says so; after that it starts nothing.
    await until(async () => held.every((runId) => stalled.stdout().includes(`run ${runId} was taken over by another worker; stopped it here`)), "the stalled worker to see it lost its runs", 20_000);
    const log: Effect[] = await effects();
    console.log(`workers: stalled at ${stoppedAt}, all ${ids.length} runs completed elsewhere ${continuedAt - stoppedAt} ms later`);
    // The stalled worker may finish the attempt it was in, but starts nothing after it woke up.
    const late = log.filter((e) => e.pid === pid && e.started_at >= continuedAt);
    expect(late).toEqual([]);
    // Apart from the attempts frozen mid-way (the lease is what bounds those), no two processes ran one run at once.
    const frozen = (e: Effect) => e.pid === pid && e.started_at < stoppedAt && (e.ended_at === null || e.ended_at > stoppedAt);
    expect(overlaps(log.filter((e) => !frozen(e)), continuedAt)).toEqual([]);
    const records = await Promise.all(ids.map((runId) => store.load(runId)));
    expect(records.every((record) => record?.status === "completed" && !record.owner)).toBe(true);
    await store.close();
  }, 120_000);
});
