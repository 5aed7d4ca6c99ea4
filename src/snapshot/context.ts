import type { ErrorRecord } from "../error-record.js";
import type { Json } from "../json.js";
import type { FlowStatus } from "../types.js";

/** One attempt of a step or compensation, as the timeline shows it. */
export interface AttemptRecord {
  startedAt: number;
  endedAt: number | null;
  error: ErrorRecord | null;
}

/** Where a step (or its compensation) stands. */
export type RecordStatus = "pending" | "running" | "retrying" | "completed" | "failed" | "cancelled";

/** Everything known about one step or compensation of a run, all JSON. */
export interface StepRecord {
  status: RecordStatus;
  attempts: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Absolute time (ms since epoch) of the next attempt while waiting to retry: a restore resumes the wait from it. */
  retryAt: number | null;
  error: ErrorRecord | null;
  history: AttemptRecord[];
}

/** The machine's context: plain JSON, so a persisted snapshot holds the whole run. */
export interface FlowContext {
  flow: { name: string; version: string | null; definitionHash: string };
  runId: string;
  input: Json;
  data: Record<string, Json>;
  outputs: Record<string, Json>;
  steps: Record<string, StepRecord>;
  compensations: Record<string, StepRecord>;
  status: "running" | FlowStatus;
  startedAt: number;
  endedAt: number | null;
  /** What failed the flow. */
  error: ErrorRecord | null;
  failedStep: string | null;
  cancelled: boolean;
  cancelReason: string | null;
  /** Fail-fast groups whose branches are being aborted because one of them failed. */
  abortedGroups: string[];
}

/** The events a run accepts from outside. */
export type FlowEvent = { type: "CANCEL"; reason?: string } | { type: "orchestrix.abortGroup"; group: string };

/** A fresh record for a step that has not run. */
export function pendingRecord(): StepRecord {
  return { status: "pending", attempts: 0, startedAt: null, endedAt: null, retryAt: null, error: null, history: [] };
}
