/** Summary of a set of latency samples, in microseconds. */
export interface LatencySummary {
  /** Number of samples. */
  samples: number;
  /** Arithmetic mean. */
  mean: number;
  /** Median. */
  p50: number;
  /** 75th percentile. */
  p75: number;
  /** 99th percentile. */
  p99: number;
  /** Relative margin of error of the mean (95 %, normal approximation), in percent. */
  rme: number;
}

/** Percentile `q` (0–1) of ascending `sorted`, interpolating linearly between order statistics as tinybench does. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] ?? low;
  return low + (high - low) * (position - below);
}

/** Summarizes latency samples given in milliseconds (tinybench's unit) as microseconds. */
export function summarize(samplesMs: readonly number[]): LatencySummary {
  const sorted = samplesMs.map((ms) => ms * 1000).sort((a, b) => a - b);
  const count = sorted.length;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / count;
  const variance = count > 1 ? sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1) : 0;
  const sem = Math.sqrt(variance / count);
  return {
    samples: count,
    mean,
    p50: percentile(sorted, 0.5),
    p75: percentile(sorted, 0.75),
    p99: percentile(sorted, 0.99),
    rme: mean === 0 ? 0 : (100 * 1.96 * sem) / mean,
  };
}
