/**
 * Workers on one local PostgreSQL, against DBOS Transact in the same run: the 4-step saga on 1, 2
 * and 4 `orchestrix worker` processes (concurrency 8 each), and the same workflow on 1, 2 and 4
 * DBOS processes (8 at a time each), each on a fresh database of its own. Reports runs/s, p50/p99
 * latency, the ratio Orchestrix ÷ DBOS (per round, then its range), what each run costs (commits,
 * rows, CPU), and the takeover time after a SIGKILL.
 *
 * Run: `npx tsx bench/workers.bench.ts` (also part of `npm run bench`); ROUNDS (3) and RUNS (400)
 * size it; ORCHESTRIX_TEST_PG names the server, as for the tests. DBOS is installed on its own:
 * `npm ci --prefix bench/peers --no-audit --no-fund`; without it only Orchestrix is measured.
 */
import { loadavg } from "node:os";
import { postgresUnavailable } from "../test/support/postgres.js";
import { formatRatio, markdownTable } from "./table.js";
import { dbosMissing, measureDbos } from "./workers/dbos.js";
import { measureOrchestrix, WORKER_CONCURRENCY } from "./workers/orchestrix.js";
import { median, range, type ThroughputSample } from "./workers/sample.js";
import { measureTakeover, type TakeoverSample } from "./workers/takeover.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 3);
const RUNS = Number(process.env["RUNS"] ?? 400);
const PROCESSES = [1, 2, 4] as const;

const unreachable = await postgresUnavailable();
if (unreachable) {
  console.log(`> Skipped: ${unreachable}.`);
  process.exit(0);
}
const missing = dbosMissing();
if (missing) console.log(`> ${missing}; measuring Orchestrix alone.\n`);

const load = () => loadavg().map((value) => value.toFixed(1)).join(" ");
const orchestrix = new Map<number, ThroughputSample[]>(PROCESSES.map((count) => [count, []]));
const dbos = new Map<number, ThroughputSample[]>(PROCESSES.map((count) => [count, []]));
const ratios = new Map<number, number[]>(PROCESSES.map((count) => [count, []]));
/** Per round: DBOS's CPU per run (its processes and its database's backends) ÷ Orchestrix's. */
const cpuRatios = new Map<number, number[]>(PROCESSES.map((count) => [count, []]));
const cpuPerRun = (sample: ThroughputSample) => sample.workerCpuMsPerRun + sample.serverCpuMsPerRun;
const takeovers: TakeoverSample[] = [];
const loads: string[] = [];

const line = (who: string, sample: ThroughputSample) =>
  `  ${who} ×${sample.processes}: ${sample.runsPerSecond.toFixed(1)} runs/s, p50 ${sample.p50.toFixed(0)} ms, p99 ${sample.p99.toFixed(0)} ms, ` +
  `one commit ${sample.commitMs.toFixed(1)} ms, ${sample.commitsPerRun.toFixed(1)} transactions/run, CPU ${sample.workerCpuMsPerRun.toFixed(1)} + ${sample.serverCpuMsPerRun.toFixed(1)} ms/run`;

for (let round = 1; round <= ROUNDS; round++) {
  loads.push(load());
  console.log(`round ${round}/${ROUNDS} at ${new Date().toISOString()}, load average ${load()}`);
  for (const count of PROCESSES) {
    // Who goes first alternates, so a swing in the machine's speed does not always favour one.
    const order = (round + count) % 2 === 0 ? ["orchestrix", "dbos"] : ["dbos", "orchestrix"];
    let ours: ThroughputSample | undefined;
    let theirs: ThroughputSample | undefined;
    for (const who of order) {
      if (who === "orchestrix") {
        ours = await measureOrchestrix(count, RUNS);
        orchestrix.get(count)?.push(ours);
        console.log(line("Orchestrix", ours));
      } else if (!missing) {
        theirs = await measureDbos(count, RUNS);
        dbos.get(count)?.push(theirs);
        console.log(line("DBOS", theirs));
      }
    }
    if (ours && theirs) {
      ratios.get(count)?.push(ours.runsPerSecond / theirs.runsPerSecond);
      cpuRatios.get(count)?.push(cpuPerRun(theirs) / cpuPerRun(ours));
    }
  }
  const takeover = await measureTakeover();
  takeovers.push(takeover);
  console.log(`  takeover: ${takeover.held} runs held by the SIGKILLed worker, claimed in ${takeover.takeoverMs} ms, completed in ${takeover.completedMs} ms`);
}
loads.push(load());

const of = (samples: readonly ThroughputSample[], pick: (sample: ThroughputSample) => number | undefined, digits = 0) =>
  range(samples.map(pick).filter((value): value is number => value !== undefined), digits);

console.log(`\n${ROUNDS} rounds of ${RUNS} runs per measurement, ${WORKER_CONCURRENCY} runs at once per process; load average (1, 5, 15 min) at each round's start and at the end: ${loads.join(" · ")}\n`);
console.log(
  markdownTable(
    ["processes", "Orchestrix runs/s", "p50 ms", "p99 ms", "in a worker p50 / p99 ms", "DBOS runs/s", "DBOS p50 ms", "DBOS p99 ms", "Orchestrix ÷ DBOS", "≥ 3x?", "runs per CPU-s, Orchestrix ÷ DBOS"],
    PROCESSES.map((count) => {
      const ours = orchestrix.get(count) ?? [];
      const theirs = dbos.get(count) ?? [];
      const perRound = ratios.get(count) ?? [];
      const perCpu = cpuRatios.get(count) ?? [];
      return [
        String(count),
        of(ours, (s) => s.runsPerSecond, 1),
        of(ours, (s) => s.p50),
        of(ours, (s) => s.p99),
        `${of(ours, (s) => s.runP50)} / ${of(ours, (s) => s.runP99)}`,
        of(theirs, (s) => s.runsPerSecond, 1),
        of(theirs, (s) => s.p50),
        of(theirs, (s) => s.p99),
        perRound.length ? `${perRound.map(formatRatio).join(", ")} (median ${formatRatio(median(perRound))})` : "n/a",
        perRound.length ? (median(perRound) >= 3 ? "yes" : "no") : "n/a",
        perCpu.length ? `${range(perCpu, 2)}x (median ${formatRatio(median(perCpu))})` : "n/a",
      ];
    }),
    ["right", "right", "right", "right", "right", "right", "right", "right", "left", "left", "left"],
  ),
);
console.log(
  "\nRuns per CPU-s: 1000 ÷ (CPU ms per run of the processes and of their database's backends); the ratio is what the throughput ratio would be where both were CPU-bound on a machine of their own." +
    "\nTransactions/run: the server's committed transactions (xact_commit, read-only ones too) per run, queue and maintenance included." +
    "\nOne commit: the median of 50 small committed writes in the database just before the measurement (the machine's fsync at that moment)." +
    "\nOrchestrix latency: enqueue → completed with every run enqueued at once (mostly time in the queue); in a worker: its job fetched → the run completed." +
    "\nDBOS latency: DBOS.startWorkflow → result in the process that runs it (there is no queue in front of it).\n",
);
console.log(
  markdownTable(
    ["processes", "who", "one commit ms", "transactions/run", "rows written/run", "worker CPU ms/run", "server CPU ms/run", "fetch → created / steps / → job done, ms"],
    PROCESSES.flatMap((count) =>
      (
        [
          ["Orchestrix", orchestrix.get(count) ?? []],
          ["DBOS", dbos.get(count) ?? []],
        ] as const
      )
        .filter(([, samples]) => samples.length > 0)
        .map(([who, samples]) => [
          String(count),
          who,
          of(samples, (s) => s.commitMs, 1),
          of(samples, (s) => s.commitsPerRun, 1),
          of(samples, (s) => s.rowsPerRun, 1),
          of(samples, (s) => s.workerCpuMsPerRun, 1),
          of(samples, (s) => s.serverCpuMsPerRun, 1),
          samples.some((s) => s.phases)
            ? `${of(samples, (s) => s.phases?.pickup)} / ${of(samples, (s) => s.phases?.steps)} / ${of(samples, (s) => s.phases?.complete)}`
            : "",
        ]),
    ),
    ["right", "left", "right", "right", "right", "right", "right", "right"],
  ),
);
console.log(
  `\nTakeover after SIGKILL (default lease 3000 ms, sweep 1000 ms; ${range(takeovers.map((t) => t.held))} runs held at the kill): ` +
    `claimed by the other worker in ${range(takeovers.map((t) => t.takeoverMs))} ms, completed in ${range(takeovers.map((t) => t.completedMs))} ms.`,
);
