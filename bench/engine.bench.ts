/**
 * Engine overhead: the same no-op async steps (4 and 20) run as plain async/await, as two
 * hand-written XState v5 machines (one of the shape Orchestrix generates, one minimal and flat),
 * and as an Orchestrix flow (`flow.run`, from the build in dist/), measured with tinybench.
 * `npm run bench -- engine` (builds first); results go in BENCHMARKS.md.
 */
import { pathToFileURL } from "node:url";
import { Bench } from "tinybench";
import { collectGarbage, describeEnvironment, type BenchEnvironment } from "./environment.js";
import { buildOrchestrixFlow } from "./orchestrix.js";
import { runPlain } from "./plain.js";
import { summarize, type LatencySummary } from "./stats.js";
import { calls, makeSteps } from "./steps.js";
import { formatMicros, formatRatio, markdownTable } from "./table.js";
import { createHandWrittenMachine, runHandWritten } from "./xstate-machine.js";

/** How long and how often the engine benchmark measures. */
export interface EngineBenchOptions {
  /** Flow sizes (number of steps) to measure. */
  sizes: readonly number[];
  /** Rounds over all tasks; each round rotates the variant order, and samples of all rounds are merged. Many short rounds spread any outside load evenly over the variants. */
  rounds: number;
  /** tinybench time budget per task and round, in ms. */
  timeMs: number;
  /** Time budget of the plain-async baseline (it runs ~1000x faster, so fewer samples suffice), in ms. */
  baselineTimeMs: number;
  /** tinybench warmup budget per task, in ms (first round only: later rounds start on a warm JIT). */
  warmupMs: number;
}

/** Defaults sized so the whole run takes well under two minutes on a 2-core machine (~70 s). */
export const DEFAULT_ENGINE_OPTIONS: EngineBenchOptions = {
  sizes: [4, 20],
  rounds: 8,
  timeMs: 1000,
  baselineTimeMs: 250,
  warmupMs: 500,
};

/** The four ways of running the same steps. `xstate` is the baseline of the target: a hand-written machine of the same shape. */
export type EngineVariant = "plain" | "flat" | "xstate" | "orchestrix";

/** Human-readable names of the variants, as printed. */
export const VARIANT_LABELS: Readonly<Record<EngineVariant, string>> = {
  plain: "plain async/await",
  flat: "hand-written XState, flat",
  xstate: "hand-written XState, same shape",
  orchestrix: "Orchestrix flow.run",
};

const VARIANTS: readonly EngineVariant[] = ["plain", "flat", "xstate", "orchestrix"];

/** The measured latency of one variant at one flow size. */
export interface EngineRow {
  /** Number of steps in the flow. */
  size: number;
  /** Which variant ran. */
  variant: EngineVariant;
  /** Per-run latency, merged over all rounds, in µs. */
  latency: LatencySummary;
  /** Process CPU time (user + system, GC threads included) per run over the timed phases, in µs; unlike latency, not inflated while other processes hold the CPU. */
  cpuMicrosPerRun: number;
}

/** Everything one engine benchmark run measured. */
export interface EngineBenchReport {
  /** The options it ran with. */
  options: EngineBenchOptions;
  /** Where it ran. */
  environment: BenchEnvironment;
  /** One row per size and variant. */
  rows: EngineRow[];
  /** Wall-clock duration of the whole benchmark, in seconds. */
  wallSeconds: number;
}

interface EngineCase {
  size: number;
  variant: EngineVariant;
  name: string;
  run: () => Promise<unknown>;
}

/** Builds each variant once per size (outside the timed region) and checks it really runs every step. */
async function prepareCases(sizes: readonly number[]): Promise<EngineCase[]> {
  const cases: EngineCase[] = [];
  for (const size of sizes) {
    const steps = makeSteps(size);
    const flat = createHandWrittenMachine(steps, "flat");
    const sameShape = createHandWrittenMachine(steps, "same-shape");
    const flow = buildOrchestrixFlow("bench", steps);
    const runs: Record<EngineVariant, () => Promise<{ status: string }>> = {
      plain: () => runPlain(steps, undefined),
      flat: () => runHandWritten(flat, undefined),
      xstate: () => runHandWritten(sameShape, undefined),
      orchestrix: () => flow.run(undefined),
    };
    for (const variant of VARIANTS) {
      const run = runs[variant];
      calls.count = 0;
      const { status } = await run();
      if (status !== "completed" || calls.count !== size) {
        throw new Error(`${VARIANT_LABELS[variant]} (${size} steps) ended "${status}" after ${calls.count} step call(s)`);
      }
      cases.push({ size, variant, name: `${VARIANT_LABELS[variant]} · ${size} steps`, run });
    }
  }
  return cases;
}

/** Samples and CPU time gathered for one case over all rounds. */
interface Gathered {
  samples: (readonly number[])[];
  runs: number;
  cpuMicros: number;
}

/** Runs one case for one round in its own tinybench `Bench`, adding its samples and CPU time to `into`. */
async function measure(entry: EngineCase, options: EngineBenchOptions, warmup: boolean, into: Gathered): Promise<void> {
  const bench = new Bench({
    name: entry.name,
    time: entry.variant === "plain" ? options.baselineTimeMs : options.timeMs,
    warmup,
    warmupTime: options.warmupMs,
    iterations: 10,
    warmupIterations: 10,
    retainSamples: true,
    throws: true,
    // Not timed: a full GC before each phase, so one task's garbage is not collected on the next task's clock.
    setup: collectGarbage,
  });
  let cpuStart: NodeJS.CpuUsage | undefined;
  bench.add(entry.name, entry.run, {
    async: true,
    beforeAll: (mode) => {
      if (mode === "run") cpuStart = process.cpuUsage();
    },
    afterAll: (mode) => {
      if (mode !== "run" || cpuStart === undefined) return;
      const used = process.cpuUsage(cpuStart);
      into.cpuMicros += used.user + used.system;
    },
  });
  const [task] = await bench.run();
  const result = task?.result;
  if (!task || !result || (result.state !== "completed" && result.state !== "aborted-with-statistics")) {
    throw new Error(`Task "${entry.name}" did not complete (${result?.state ?? "missing"})`);
  }
  into.samples.push(result.latency.samples ?? []);
  into.runs += result.latency.samplesCount;
}

/** Runs the engine benchmark: plain async, a hand-written XState machine and Orchestrix on no-op flows. */
export async function runEngineBench(options: EngineBenchOptions = DEFAULT_ENGINE_OPTIONS): Promise<EngineBenchReport> {
  const started = performance.now();
  const cases = await prepareCases(options.sizes);
  const gathered = new Map<EngineCase, Gathered>(cases.map((entry) => [entry, { samples: [], runs: 0, cpuMicros: 0 }]));

  for (let round = 0; round < options.rounds; round++) {
    // Rotate the variant order each round so no variant always runs first or last.
    const ordered = [...cases].sort((a, b) => a.size - b.size || rotation(a.variant, round) - rotation(b.variant, round));
    for (const entry of ordered) {
      const into = gathered.get(entry);
      if (into) await measure(entry, options, round === 0, into);
    }
  }

  return {
    options,
    environment: describeEnvironment(),
    rows: cases.map((entry) => {
      const into = gathered.get(entry) ?? { samples: [], runs: 0, cpuMicros: 0 };
      return {
        size: entry.size,
        variant: entry.variant,
        latency: summarize(into.samples.flat()),
        cpuMicrosPerRun: into.runs === 0 ? Number.NaN : into.cpuMicros / into.runs,
      };
    }),
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** Position of `variant` in round `round`: round 0 runs plain, flat, xstate, orchestrix; round 1 flat, xstate, orchestrix, plain; … */
function rotation(variant: EngineVariant, round: number): number {
  const count = VARIANTS.length;
  return (((VARIANTS.indexOf(variant) - round) % count) + count) % count;
}

/** The ratios the issue asks about, for one flow size. */
export interface EngineRatios {
  /** Number of steps in the flow. */
  size: number;
  /** Orchestrix / hand-written XState of the same shape, on mean latency. */
  vsXStateMean: number;
  /** Orchestrix / hand-written XState of the same shape, on median latency. */
  vsXStateP50: number;
  /** Orchestrix / hand-written XState of the same shape, on p75 latency. */
  vsXStateP75: number;
  /** Orchestrix / hand-written XState of the same shape, on CPU time per run. */
  vsXStateCpu: number;
  /** Orchestrix / the flat hand-written machine, on mean latency. */
  vsFlatMean: number;
  /** Orchestrix / plain async, on mean latency. */
  vsPlainMean: number;
}

/** The target from the issue: Orchestrix within this factor of the hand-written machine of the same shape. */
export const TARGET_RATIO = 1.2;

/** Computes Orchestrix/hand-written-XState and Orchestrix/plain ratios per flow size. */
export function engineRatios(report: EngineBenchReport): EngineRatios[] {
  return report.options.sizes.map((size) => {
    const find = (variant: EngineVariant) => report.rows.find((row) => row.size === size && row.variant === variant);
    const plain = find("plain");
    const flat = find("flat");
    const xstate = find("xstate");
    const orchestrix = find("orchestrix");
    const ratio = (pick: (row: EngineRow) => number, base: EngineRow | undefined) =>
      orchestrix && base ? pick(orchestrix) / pick(base) : Number.NaN;
    return {
      size,
      vsXStateMean: ratio((row) => row.latency.mean, xstate),
      vsXStateP50: ratio((row) => row.latency.p50, xstate),
      vsXStateP75: ratio((row) => row.latency.p75, xstate),
      vsXStateCpu: ratio((row) => row.cpuMicrosPerRun, xstate),
      vsFlatMean: ratio((row) => row.latency.mean, flat),
      vsPlainMean: ratio((row) => row.latency.mean, plain),
    };
  });
}

/** Renders the report as two Markdown tables (latencies, then ratios) under a line describing the run. */
export function formatEngineReport(report: EngineBenchReport): string {
  const { environment: env, options } = report;
  const header =
    `${env.cpuCount} × ${env.cpuModel} · Node ${env.node} · xstate ${env.xstate} · tinybench ${env.tinybench}\n` +
    `${options.rounds} rounds, variant order rotated; per round and task ${options.timeMs} ms (plain: ${options.baselineTimeMs} ms), ` +
    `${options.warmupMs} ms warmup in round 1; samples of all rounds merged; finished in ${report.wallSeconds.toFixed(0)} s`;
  const latencies = markdownTable(
    ["steps", "variant", "mean µs", "p50 µs", "p75 µs", "p99 µs", "± rme", "CPU µs/run", "samples"],
    report.rows.map((row) => [
      String(row.size),
      VARIANT_LABELS[row.variant],
      formatMicros(row.latency.mean),
      formatMicros(row.latency.p50),
      formatMicros(row.latency.p75),
      formatMicros(row.latency.p99),
      `${row.latency.rme.toFixed(1)}%`,
      formatMicros(row.cpuMicrosPerRun),
      String(row.latency.samples),
    ]),
    ["right", "left", "right", "right", "right", "right", "right", "right", "right"],
  );
  const ratios = markdownTable(
    ["steps", "Orx/XState mean", "Orx/XState p50", "Orx/XState p75", "Orx/XState CPU", "Orx/flat mean", "Orx/plain mean", `mean within ${TARGET_RATIO}x?`],
    engineRatios(report).map((ratio) => [
      String(ratio.size),
      formatRatio(ratio.vsXStateMean),
      formatRatio(ratio.vsXStateP50),
      formatRatio(ratio.vsXStateP75),
      formatRatio(ratio.vsXStateCpu),
      formatRatio(ratio.vsFlatMean),
      formatRatio(ratio.vsPlainMean),
      ratio.vsXStateMean <= TARGET_RATIO ? "yes" : "no",
    ]),
    ["right", "right", "right", "right", "right", "right", "right", "left"],
  );
  return `${header}\n\n${latencies}\n\n${ratios}`;
}

/** Reads `BENCH_ROUNDS`, `BENCH_TIME_MS` and `BENCH_WARMUP_MS` overrides (for quick smoke runs) over the defaults. */
export function engineOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EngineBenchOptions {
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const timeMs = positive("BENCH_TIME_MS", DEFAULT_ENGINE_OPTIONS.timeMs);
  return {
    ...DEFAULT_ENGINE_OPTIONS,
    rounds: Math.round(positive("BENCH_ROUNDS", DEFAULT_ENGINE_OPTIONS.rounds)),
    timeMs,
    baselineTimeMs: Math.min(DEFAULT_ENGINE_OPTIONS.baselineTimeMs, timeMs),
    warmupMs: positive("BENCH_WARMUP_MS", DEFAULT_ENGINE_OPTIONS.warmupMs),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatEngineReport(await runEngineBench(engineOptionsFromEnv())));
}
