/** One measurement of the worker benchmark, for Orchestrix or a peer, and how samples are summed up. */
import { percentile } from "../stats.js";

/** What one measurement of N worker processes found. */
export interface ThroughputSample {
  /** Worker processes. */
  processes: number;
  /** Runs (workflows) that ended, all completed. */
  runs: number;
  /** Runs per second, from the first start (or enqueue) to the last completion. */
  runsPerSecond: number;
  /** Median and 99th percentile latency in ms, as {@link ThroughputSample.latencyMeans} says. */
  p50: number;
  /** See {@link ThroughputSample.p50}. */
  p99: number;
  /** What the latency spans. */
  latencyMeans: string;
  /** Median and 99th percentile of the run in a worker alone (its job fetched → the run completed), in ms. */
  runP50?: number;
  /** See {@link ThroughputSample.runP50}. */
  runP99?: number;
  /** Medians of where an Orchestrix run's time goes, in ms (from the queue's and the runs' tables). */
  phases?: RunPhases;
  /** The median time of one small commit in the database just before the measurement, in ms. */
  commitMs: number;
  /** Committed PostgreSQL transactions per run (the server's xact_commit: read-only ones count too). */
  commitsPerRun: number;
  /** Rows written per run. */
  rowsPerRun: number;
  /** CPU ms per run of the worker processes (user + system). */
  workerCpuMsPerRun: number;
  /** CPU ms per run of the PostgreSQL backends serving the database (those connected at the end). */
  serverCpuMsPerRun: number;
}

/** Where an Orchestrix run's time goes: medians, in ms. */
export interface RunPhases {
  /** The job fetched → the run's record created (the worker's load and create), where the worker creates it. */
  pickup?: number;
  /** The record created (or the job fetched, if later) → the run completed: four steps, each saved. */
  steps: number;
  /** The job fetched → the run completed, p50 and p99. */
  inWorker: { p50: number; p99: number };
  /** The run completed → its job marked completed in the queue (the slot is free after this). */
  complete: number;
}

/** p50 and p99 of unsorted latencies. */
export function p50p99(values: readonly number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** `min–max` of numbers, formatted with `digits` decimals (one number when all agree). */
export function range(values: readonly number[], digits = 0): string {
  if (values.length === 0) return "n/a";
  const low = Math.min(...values).toFixed(digits);
  const high = Math.max(...values).toFixed(digits);
  return low === high ? low : `${low}–${high}`;
}

/** The median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 0.5);
}
