import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createWorker, postgresStore, type PostgresStore } from "orchestrix/postgres";
import { workerSaga } from "./fixtures/worker-flows.js";
import { createDatabase, dropDatabases, postgresUnavailable } from "./support/postgres.js";

/**
 * Workers on pg-boss, as real processes (`orchestrix worker`), really killed (SIGKILL) and
 * stalled (SIGSTOP). Every attempt of every step is logged with its process and times in the
 * database, so the test can check what ran where.
 */

const root = join(import.meta.dirname, "..");
const skip = await postgresUnavailable();
const databases: string[] = [];
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});
afterAll(() => dropDatabases(databases));

interface Effect {
  run_id: string;
  step: string;
  attempt: number;
  pid: number;
  started_at: number;
  ended_at: number | null;
  ok: boolean | null;
}

async function setUp(): Promise<{ url: string; store: PostgresStore; effects: () => Promise<Effect[]> }> {
  const { name, url } = await createDatabase();
  databases.push(name);
  const store = postgresStore({ connectionString: url });
  await store.pool.query(
    "CREATE TABLE effects (id serial PRIMARY KEY, run_id text, step text, attempt int, pid int, started_at float8, ended_at float8, ok boolean)",
  );
  const effects = async () => (await store.pool.query<Effect>("SELECT * FROM effects ORDER BY started_at")).rows;
  return { url, store, effects };
}

/** Starts `orchestrix worker` and resolves once it says it is running. */
async function startWorker(
  url: string,
  env: Record<string, string> = {},
  leaseMs = 2_000,
  concurrency = 4,
): Promise<ChildProcess & { exited: Promise<number | null>; stdout: () => string }> {
  const args = ["worker", "test/fixtures/worker-flows.ts", "--store", url, "--concurrency", String(concurrency), "--lease-ms", String(leaseMs)];
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/index.ts", ...args],
    { cwd: root, env: { ...process.env, DATABASE_URL: url, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(": running ")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`worker exited ${code} before it started: ${err}`)));
  });
  return Object.assign(child, { exited, stdout: () => out });
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function runsOwnedBy(store: PostgresStore, pid: number): Promise<string[]> {
  const { runs } = await store.list({ status: "running", limit: 1_000 });
  return runs.filter((run) => run.owner?.endsWith(`:${pid}`)).map((run) => run.runId);
}

/** No two attempts of one run ever overlap in time in two processes; an attempt that never ended ends at `cutAt`. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function overlaps(effects: Effect[], cutAt: number): string[] {
  const found: string[] = [];
  const byRun = groupBy(effects, (effect) => effect.run_id);
  for (const [runId, list] of byRun) {
    for (const a of list) {
      for (const b of list) {
        if (a === b || a.pid === b.pid) continue;
        const aEnd = a.ended_at ?? cutAt;
        if (a.started_at < b.started_at && b.started_at < aEnd) found.push(`${runId}: ${a.step}@${a.pid} and ${b.step}@${b.pid}`);
      }
    }
  }
  return found;
}

describe.skipIf(skip !== undefined)("workers on pg-boss", () => {
  it("runs queued sagas on 3 workers; one SIGKILLed mid-way has its runs taken over within the lease, none lost", async () => {
    const { url, store, effects } = await setUp();
    const workers = await Promise.all([startWorker(url), startWorker(url), startWorker(url)]);
    const ids = Array.from({ length: 60 }, (_, i) => `order-${i}`);
    for (const runId of ids) await workerSaga.enqueue({ orderId: runId }, { store, runId });

    const [victim] = workers;
    const pid = victim?.pid ?? 0;
    await until(async () => (await runsOwnedBy(store, pid)).length >= 2, "the first worker to hold runs");
    const held = await runsOwnedBy(store, pid);
    victim?.kill("SIGKILL");
    const killedAt = Date.now();
    // The takeover time: until another worker has claimed every run the dead one held.
    await until(async () => {
      const records = await Promise.all(held.map((runId) => store.load(runId)));
      return records.every((record) => record && !record.owner?.endsWith(`:${pid}`));
    }, "the dead worker's runs to be taken over", 20_000);
    const takeoverMs = Date.now() - killedAt;

    const results = await Promise.all(ids.map((runId) => workerSaga.result(runId, { store, timeoutMs: 90_000 })));
    console.log(`workers: 60 runs on 3 workers, ${held.length} held by the SIGKILLed one, taken over in ${takeoverMs} ms`);
    expect(results.every((r) => r.status === "completed")).toBe(true);
    expect(takeoverMs).toBeLessThan(5_000);

    const log = await effects();
    expect(overlaps(log, killedAt)).toEqual([]);
    // Only the killed worker left attempts unfinished; every step succeeded exactly once.
    expect(log.filter((e) => e.ended_at === null).every((e) => e.pid === pid)).toBe(true);
    const succeeded = groupBy(log.filter((e) => e.ok === true), (e) => `${e.run_id}/${e.step}`);
    expect(succeeded.size).toBe(60 * 4);
    expect([...succeeded.values()].every((list) => list.length === 1)).toBe(true);

    // A graceful stop: the survivors exit 0 on SIGTERM.
    for (const worker of workers.slice(1)) worker.kill("SIGTERM");
    expect(await Promise.all(workers.slice(1).map((worker) => worker.exited))).toEqual([0, 0]);
    await store.close();
  }, 180_000);

  it("takes over the runs of a worker stalled with SIGSTOP; after SIGCONT its saves are refused and it starts no step", async () => {
    const { url, store, effects } = await setUp();
    const env = { STEP_MS: "300", FAIL_RATE: "0" };
    const stalled = await startWorker(url, env, 1_500, 2);
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
    await startWorker(url, env, 1_500);
    const results = await Promise.all(ids.map((runId) => workerSaga.result(runId, { store, timeoutMs: 60_000 })));
    expect(results.every((r) => r.status === "completed")).toBe(true);

    stalled.kill("SIGCONT");
    const continuedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const log = await effects();
    console.log(`workers: stalled at ${stoppedAt}, all ${ids.length} runs completed elsewhere ${continuedAt - stoppedAt} ms later`);
    // The stalled worker may finish the attempt it was in, but starts nothing after it woke up.
    // Each run it held: its next save was refused, and it said so.
    for (const runId of held) expect(stalled.stdout()).toContain(`run ${runId} was taken over by another worker; stopped it here`);
    const late = log.filter((e) => e.pid === pid && e.started_at >= continuedAt);
    expect(late).toEqual([]);
    // Apart from the attempts frozen mid-way (the lease is what bounds those), no two processes ran one run at once.
    const frozen = (e: Effect) => e.pid === pid && e.started_at < stoppedAt && (e.ended_at === null || e.ended_at > stoppedAt);
    expect(overlaps(log.filter((e) => !frozen(e)), continuedAt)).toEqual([]);
    const records = await Promise.all(ids.map((runId) => store.load(runId)));
    expect(records.every((record) => record?.status === "completed" && !record.owner)).toBe(true);
    await store.close();
  }, 120_000);

  it("stop() finishes the step in flight and hands the run back; another worker goes on from there, no step run twice", async () => {
    const { url, store, effects } = await setUp();
    process.env["DATABASE_URL"] = url;
    const first = createWorker({ store, flows: [workerSaga], concurrency: 2, log: () => {} });
    await first.start();
    await workerSaga.enqueue({ orderId: "local-1" }, { store, runId: "local-1" });
    await until(async () => (await effects()).length > 0, "the first step to start");
    await first.stop();
    const stoppedAt = Date.now();
    expect(first.inFlight).toBe(0);
    const handedBack = await store.load("local-1");
    // Saved at a boundary and given back: nobody holds it, and what ran here had ended.
    expect(handedBack).toMatchObject({ status: "running", owner: null, leaseUntil: null });
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
