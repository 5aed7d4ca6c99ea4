/**
 * The Orchestrix side of the worker benchmark: N `orchestrix worker` processes (concurrency 8
 * each) on a fresh database; the benchmark enqueues every run, then waits for the last to end.
 */
import type { ChildProcess } from "node:child_process";
import { postgresStore, RUN_QUEUE, type PostgresStore } from "orchestrix/postgres";
import { runInLanes } from "../lanes.js";
import { benchSaga } from "../worker-saga.js";
import { enqueueRun } from "./enqueue.js";
import { backendPids, commitLatencyMs, createBenchDatabase, databaseCounts, dropBenchDatabase } from "./database.js";
import { cpuMs, startOrchestrixWorker, stopAll } from "./processes.js";
import { median, p50p99, type RunPhases, type ThroughputSample } from "./sample.js";

/** Runs at once in each worker process (the CLI's `--concurrency`), and in each DBOS process. @default 8, or CONCURRENCY */
export const WORKER_CONCURRENCY = Number(process.env["CONCURRENCY"] ?? 8);

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_100));

/** CPU ms of each process now. */
const cpuOf = (pids: readonly number[]) => new Map(pids.map((pid) => [pid, cpuMs(pid)]));

/** CPU used since `before` by the processes of `after`; a process that is new counts whole. */
function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, used] of after) if (Number.isFinite(used)) total += used - (before.get(pid) ?? 0);
  return total;
}

/** Enqueues `runs` 4-step sagas for `processes` workers and measures them to the last completion. */
export async function measureOrchestrix(processes: number, runs: number, nodeFlags: readonly string[] = []): Promise<ThroughputSample> {
  const database = await createBenchDatabase("orx");
  const store = postgresStore({ connectionString: database.url, maxConnections: 4 });
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) workers.push(await startOrchestrixWorker(database.url, { concurrency: WORKER_CONCURRENCY, nodeFlags }));
    // The tables exist and the benchmark's own sender is started (its queue checked) before the clock starts.
    await store.list({ limit: 1 });
    await enqueueRun(benchSaga, store, "warm-up");
    await waitForEnded(store, 1);
    // Probed before the statistics settle, so that its commits are not counted as the runs'.
    const commitMs = await commitLatencyMs(database);
    await settle();
    const workerPids = workers.map((worker) => worker.pid ?? 0);
    const serverBefore = cpuOf(await backendPids(database));
    const workersBefore = cpuOf(workerPids);
    const countsBefore = await databaseCounts(database);

    const enqueuedAt = new Map<string, number>();
    const started = Date.now();
    await runInLanes(runs, 4, async (i) => {
      const runId = `bench-${i}`;
      enqueuedAt.set(runId, Date.now());
      await enqueueRun(benchSaga, store, runId);
    });
    await waitForEnded(store, runs + 1);

    const workerCpu = cpuSince(workersBefore, cpuOf(workerPids));
    const serverCpu = cpuSince(serverBefore, cpuOf(await backendPids(database)));
    const { rows } = await store.pool.query<{ run_id: string; status: string; created_at: string; updated_at: string }>(
      "SELECT run_id, status, created_at, updated_at FROM orchestrix_runs WHERE run_id <> 'warm-up'",
    );
    const failed = rows.filter((row) => row.status !== "completed");
    if (rows.length !== runs || failed.length > 0) throw new Error(`expected ${runs} completed runs, got ${rows.length} with ${failed.length} not completed`);
    const ended = Math.max(...rows.map((row) => Number(row.updated_at)));
    const endToEnd = p50p99(rows.map((row) => Number(row.updated_at) - (enqueuedAt.get(row.run_id) ?? Number.NaN)));
    const phases = await runPhases(store);
    await settle();
    const countsAfter = await databaseCounts(database);
    return {
      processes,
      runs,
      runsPerSecond: runs / ((ended - started) / 1_000),
      ...endToEnd,
      latencyMeans: "enqueue → completed, all runs enqueued at once",
      runP50: phases.inWorker.p50,
      runP99: phases.inWorker.p99,
      phases,
      commitMs,
      commitsPerRun: (countsAfter.commits - countsBefore.commits) / runs,
      rowsPerRun: (countsAfter.rowsWritten - countsBefore.rowsWritten) / runs,
      workerCpuMsPerRun: workerCpu / runs,
      serverCpuMsPerRun: serverCpu / runs,
    };
  } finally {
    await stopAll(workers);
    await store.close();
    await dropBenchDatabase(database);
  }
}

/** Resolves once `count` runs have ended, asking the database every 50 ms with one cheap count. */
async function waitForEnded(store: PostgresStore, count: number, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await store.pool.query<{ ended: string }>("SELECT count(*) AS ended FROM orchestrix_runs WHERE status <> 'running'");
    if (Number(rows[0]?.ended) >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0]?.ended} of ${count} runs ended within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Medians of each run's phases, from pg-boss's job times and the runs' own (both epoch ms on one machine). */
async function runPhases(store: PostgresStore): Promise<RunPhases> {
  const { rows } = await store.pool.query<{ fetched: number; created: number; updated: number; done: number }>(
    `SELECT extract(epoch FROM j.started_on) * 1000 AS fetched, r.created_at::float8 AS created, r.updated_at::float8 AS updated,
            extract(epoch FROM j.completed_on) * 1000 AS done
     FROM orchestrix_runs r JOIN pgboss.job j ON j.name = $1 AND j.data->>'runId' = r.run_id AND j.state = 'completed'
     WHERE r.run_id <> 'warm-up'`,
    [RUN_QUEUE],
  );
  const pickup = median(rows.map((row) => Number(row.created) - Number(row.fetched)));
  return {
    // Where the record is made at enqueue (before the job is fetched), there is no pickup phase to tell.
    ...(pickup >= 0 ? { pickup } : {}),
    steps: median(rows.map((row) => Number(row.updated) - Math.max(Number(row.created), Number(row.fetched)))),
    complete: median(rows.map((row) => Number(row.done) - Number(row.updated))),
    inWorker: p50p99(rows.map((row) => Number(row.updated) - Number(row.fetched))),
  };
}
