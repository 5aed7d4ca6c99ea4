/**
 * One DBOS Transact process of the worker benchmark. Launches DBOS on the system database given as
 * argv[2], says `ready` over IPC, and on `go` runs argv[3] payment workflows (argv[4] at a time,
 * ids prefixed with argv[5]) in this process, each to its durable end; then reports the wall time
 * and each workflow's latency (start → result), and shuts DBOS down on SIGTERM.
 */
import { DBOS } from "@dbos-inc/dbos-sdk";
import { runInLanes } from "../lanes.js";
import type { DbosReport } from "../workers/dbos-report.js";
import { dbosPaymentWorkflow } from "./dbos-saga.js";

const [url, runsArg, concurrencyArg, prefix = `p${process.pid}`] = process.argv.slice(2);
if (!url || !process.send) throw new Error("Usage: a child of the benchmark with IPC: dbos-process.ts <systemDatabaseUrl> <runs> <concurrency> [prefix]");
const runs = Number(runsArg ?? 100);
const concurrency = Number(concurrencyArg ?? 8);

DBOS.setConfig({ name: "orchestrix-bench", systemDatabaseUrl: url, logLevel: "warn" });
await DBOS.launch();
process.send({ type: "ready" });

process.once("message", async () => {
  const latencies: number[] = [];
  const startedAt = Date.now();
  await runInLanes(runs, concurrency, async (i) => {
    const began = performance.now();
    const handle = await DBOS.startWorkflow(dbosPaymentWorkflow, { workflowID: `${prefix}-${i}` })({ orderId: `${prefix}-${i}` });
    const output = await handle.getResult();
    if (output.charge !== `c-${prefix}-${i}`) throw new Error(`workflow ${prefix}-${i} returned ${JSON.stringify(output)}`);
    latencies.push(performance.now() - began);
  });
  const report: DbosReport = { type: "done", startedAt, endedAt: Date.now(), latencies };
  process.send?.(report);
});

// The benchmark reads this process's CPU time and connections after the report, then stops it.
process.once("SIGTERM", () => void DBOS.shutdown().finally(() => process.exit(0)));
