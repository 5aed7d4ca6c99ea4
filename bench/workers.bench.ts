/**
 * Workers on one local PostgreSQL: the 4-step saga on 1, 2 and 4 worker processes
 * (`orchestrix worker`, concurrency 8 each). Enqueues RUNS runs, then reports runs/s from the
 * first enqueue to the last completion, and p50/p99 of each run's end-to-end latency (enqueued →
 * completed, as the store recorded it). Run: `npx tsx bench/workers.bench.ts` (ORCHESTRIX_TEST_PG
 * names the server, as for the tests).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { postgresStore } from "orchestrix/postgres";
import { createDatabase, dropDatabases } from "../test/support/postgres.js";
import { benchSaga } from "./worker-saga.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env["RUNS"] ?? 400);

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", "worker", "bench/worker-saga.ts", "--store", url, "--concurrency", "8"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve) => child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes(": running ") && resolve(child)));
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

console.log(`| workers | runs | runs/s | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |`);
for (const count of [1, 2, 4]) {
  const { name, url } = await createDatabase();
  const store = postgresStore({ connectionString: url });
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(url)));
  const enqueuedAt = new Map<string, number>();
  const started = Date.now();
  for (let i = 0; i < RUNS; i++) {
    const runId = `bench-${i}`;
    enqueuedAt.set(runId, Date.now());
    await benchSaga.enqueue({ orderId: runId }, { store, runId });
  }
  await Promise.all([...enqueuedAt.keys()].map((runId) => benchSaga.result(runId, { store, timeoutMs: 300_000 })));
  const elapsed = (Date.now() - started) / 1_000;
  const latencies: number[] = [];
  for (const [runId, at] of enqueuedAt) {
    const record = await store.load(runId);
    if (record) latencies.push(record.updatedAt - at);
  }
  latencies.sort((a, b) => a - b);
  console.log(`| ${count} | ${RUNS} | ${(RUNS / elapsed).toFixed(1)} | ${percentile(latencies, 50)} | ${percentile(latencies, 99)} |`);
  for (const worker of workers) worker.kill("SIGTERM");
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once("exit", resolve))));
  await store.close();
  await dropDatabases([name]);
}
