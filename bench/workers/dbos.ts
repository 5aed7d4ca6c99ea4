/**
 * The DBOS Transact side of the worker benchmark: N processes of `bench/peers/dbos-process.ts`,
 * each running its share of the same 4-step workflow durably (8 at a time, as an Orchestrix
 * worker), on a fresh system database of their own in the same PostgreSQL.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { DbosReport } from "./dbos-report.js";
import { backendPids, commitLatencyMs, createBenchDatabase, databaseCounts, dropBenchDatabase } from "./database.js";
import { WORKER_CONCURRENCY } from "./orchestrix.js";
import { cpuMs, root, stopAll } from "./processes.js";
import { p50p99, type ThroughputSample } from "./sample.js";

/** The one command that installs the peers (their own package.json, never a dependency of orchestrix). */
export const INSTALL_PEERS = "npm ci --prefix bench/peers --no-audit --no-fund";

/** Why DBOS cannot be measured here (its package is not installed), or `undefined` when it can. */
export function dbosMissing(): string | undefined {
  return existsSync(`${root}bench/peers/node_modules/@dbos-inc/dbos-sdk/package.json`)
    ? undefined
    : `DBOS Transact is not installed in bench/peers: run \`${INSTALL_PEERS}\``;
}

/** Starts one DBOS process and resolves once DBOS is launched in it. */
function startDbosProcess(url: string, runs: number, prefix: string, nodeFlags: readonly string[]): Promise<ChildProcess> {
  const child = fork(`${root}bench/peers/dbos-process.ts`, [url, String(runs), String(WORKER_CONCURRENCY), prefix], {
    cwd: root,
    // DBOS's own use of pg warns of a deprecation on every process; it says nothing about the measurement.
    execArgv: ["--import", "tsx", "--no-deprecation", ...nodeFlags],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    const failed = (code: number | null) => reject(new Error(`the DBOS process exited with code ${code} before it was ready`));
    child.once("exit", failed);
    child.once("message", () => {
      child.off("exit", failed);
      resolve(child);
    });
  });
}

/** Runs `runs` workflows over `processes` DBOS processes, started together, and measures them. */
export async function measureDbos(processes: number, runs: number, nodeFlags: readonly string[] = []): Promise<ThroughputSample> {
  const database = await createBenchDatabase("dbos");
  const children: ChildProcess[] = [];
  try {
    const share = Math.ceil(runs / processes);
    for (let i = 0; i < processes; i++) children.push(await startDbosProcess(database.url, share, `w${i}`, nodeFlags));
    // Probed before the statistics settle, so that its commits are not counted as the runs'.
    const commitMs = await commitLatencyMs(database);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const pids = children.map((child) => child.pid ?? 0);
    const serverBefore = new Map((await backendPids(database)).map((pid) => [pid, cpuMs(pid)]));
    const workersBefore = pids.map(cpuMs);
    const countsBefore = await databaseCounts(database);
    const reports = await Promise.all(
      children.map(
        (child) =>
          new Promise<{ report: DbosReport; cpu: number; server: Map<number, number> }>((resolve, reject) => {
            child.once("exit", (code) => reject(new Error(`a DBOS process exited with code ${code} before it reported`)));
            child.once("message", async (report: DbosReport) => {
              // Read while the process and its connections still live; it exits on SIGTERM, below.
              const server = new Map((await backendPids(database)).map((pid) => [pid, cpuMs(pid)]));
              resolve({ report, cpu: cpuMs(child.pid), server });
            });
            child.send("go");
          }),
      ),
    );
    const startedAt = Math.min(...reports.map(({ report }) => report.startedAt));
    const endedAt = Math.max(...reports.map(({ report }) => report.endedAt));
    const workerCpu = reports.reduce((sum, { cpu }, i) => sum + cpu - (workersBefore[i] ?? 0), 0);
    // Each process's backends were read as it finished; a backend counts once, at its last reading.
    const serverAfter = new Map<number, number>();
    for (const { server } of reports) for (const [pid, used] of server) serverAfter.set(pid, Math.max(used, serverAfter.get(pid) ?? 0));
    let serverCpu = 0;
    for (const [pid, used] of serverAfter) if (Number.isFinite(used)) serverCpu += used - (serverBefore.get(pid) ?? 0);
    await stopAll(children);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const countsAfter = await databaseCounts(database);
    const total = share * processes;
    return {
      processes,
      runs: total,
      runsPerSecond: total / ((endedAt - startedAt) / 1_000),
      ...p50p99(reports.flatMap(({ report }) => report.latencies)),
      latencyMeans: "startWorkflow → result, 8 in flight per process",
      commitMs,
      commitsPerRun: (countsAfter.commits - countsBefore.commits) / total,
      rowsPerRun: (countsAfter.rowsWritten - countsBefore.rowsWritten) / total,
      workerCpuMsPerRun: workerCpu / total,
      serverCpuMsPerRun: serverCpu / total,
    };
  } finally {
    await stopAll(children, "SIGKILL");
    await dropBenchDatabase(database);
  }
}
