/**
 * Takeover after a SIGKILL: two `orchestrix worker` processes with the default lease run the slow
 * saga (250 ms steps); once one holds runs mid-step it is SIGKILLed, and the clock runs until the
 * other has claimed every run the dead one held, then until those runs have completed.
 */
import type { ChildProcess } from "node:child_process";
import { postgresStore, type PostgresStore } from "orchestrix/postgres";
import { slowBenchSaga } from "../worker-saga.js";
import { createBenchDatabase, dropBenchDatabase } from "./database.js";
import { enqueueRun } from "./enqueue.js";
import { startOrchestrixWorker, stopAll } from "./processes.js";

/** What one takeover measurement found. */
export interface TakeoverSample {
  /** Runs the killed worker held at the kill. */
  held: number;
  /** Kill → every held run claimed by the other worker, in ms. */
  takeoverMs: number;
  /** Kill → every held run completed, in ms. */
  completedMs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ids of running runs whose owner is the process `pid`. */
async function heldBy(store: PostgresStore, pid: number): Promise<Map<string, number>> {
  const { rows } = await store.pool.query<{ run_id: string; fence: string }>(
    "SELECT run_id, fence FROM orchestrix_runs WHERE status = 'running' AND owner LIKE '%:' || $1",
    [String(pid)],
  );
  return new Map(rows.map((row) => [row.run_id, Number(row.fence)]));
}

/** Polls every 20 ms until `done` resolves true; rejects after `timeoutMs`. */
async function until(done: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(20);
  }
}

/** Measures one takeover on a fresh database. */
export async function measureTakeover(): Promise<TakeoverSample> {
  const database = await createBenchDatabase("orx");
  const store = postgresStore({ connectionString: database.url, maxConnections: 2 });
  const workers: ChildProcess[] = [];
  try {
    await store.list({ limit: 1 }); // the tables exist before anything polls them
    for (let i = 0; i < 2; i++) workers.push(await startOrchestrixWorker(database.url, { concurrency: 8 }));
    const [victim] = workers;
    const pid = victim?.pid ?? 0;
    for (let i = 0; i < 32; i++) await enqueueRun(slowBenchSaga, store, `t-${i}`);
    await until(async () => (await heldBy(store, pid)).size >= 4, "the first worker to hold runs");
    const held = await heldBy(store, pid);
    victim?.kill("SIGKILL");
    const killedAt = Date.now();
    const ids = [...held.keys()];
    const states = async () =>
      (await store.pool.query<{ run_id: string; owner: string | null; fence: string; status: string }>(
        "SELECT run_id, owner, fence, status FROM orchestrix_runs WHERE run_id = ANY($1::text[])",
        [ids],
      )).rows;
    // Claimed by another: a higher fence than at the kill (or already ended under one).
    await until(async () => (await states()).every((row) => Number(row.fence) > (held.get(row.run_id) ?? 0)), "the takeover");
    const takeoverMs = Date.now() - killedAt;
    await until(async () => (await states()).every((row) => row.status === "completed"), "the taken-over runs to complete");
    return { held: held.size, takeoverMs, completedMs: Date.now() - killedAt };
  } finally {
    await stopAll(workers);
    await store.close();
    await dropBenchDatabase(database);
  }
}
