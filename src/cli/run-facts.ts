import type { FlowContext, RunRecord, StepRecord } from "orchestrix";

/** What the CLI says of a stored run's attempts and error, read from its snapshot where it has one. */
export interface RunFacts {
  /** While running: the current step's attempts. Once ended: every attempt the run's steps made. */
  attempts: number;
  /** The error that stands now: what failed the run, or what the current step is retrying after; `null` when none does. */
  lastError: string | null;
}

/** The machine context in a stored snapshot, when it has the parts the CLI reads. */
export function readContext(record: RunRecord): FlowContext | undefined {
  const snapshot = record.snapshot as { context?: Partial<FlowContext> } | null;
  const context = typeof snapshot === "object" && snapshot !== null && !Array.isArray(snapshot) ? snapshot.context : undefined;
  const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject(context) || !isObject(context?.steps) || !isObject(context?.compensations)) return undefined;
  return context as FlowContext;
}

/**
 * The attempts and error to show for a run. The record's own `lastError` is the newest error of any
 * attempt, so a step that failed once and then succeeded would still show it as if it were current.
 */
export function runFacts(record: RunRecord): RunFacts {
  const context = readContext(record);
  if (!context) return { attempts: record.attempts, lastError: record.lastError };
  const steps = Object.values(context.steps);
  if (record.status !== "running") {
    return { attempts: steps.reduce((sum, step) => sum + step.attempts, 0), lastError: context.error?.message ?? null };
  }
  const active = [...steps, ...Object.values(context.compensations)].filter((step) => step.status === "running" || step.status === "retrying");
  return { attempts: record.attempts, lastError: context.error?.message ?? newestError(active) };
}

function newestError(records: readonly StepRecord[]): string | null {
  let newest: { at: number; message: string } | null = null;
  for (const record of records) {
    const failed = record.history.filter((attempt) => attempt.error !== null).at(-1);
    if (failed?.error && (newest === null || (failed.endedAt ?? 0) >= newest.at)) newest = { at: failed.endedAt ?? 0, message: failed.error.message };
  }
  return newest?.message ?? null;
}
