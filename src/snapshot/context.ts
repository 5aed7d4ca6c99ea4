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
export type RecordStatus = "pending" | "running" | "retrying" | "waiting" | "completed" | "failed" | "cancelled";

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
  /** Absolute deadline (ms since epoch) of a wait's timeout or a sleep's end, while `waiting`; `null` for a wait without a timeout. */
  until?: number | null;
  /** The id of the signal a completed wait consumed. */
  signalId?: string;
  /** Set on the record of a `.waitFor()` (`"signal"`) or `.sleep()` (`"sleep"`) step once it is reached. */
  pause?: "signal" | "sleep";
}

/** What a parent run keeps of a completed child run (`.child()`), so a later failure can undo it. */
export interface ChildRecord {
  /** The child run's id: `<parent run id>/<step>`. */
  runId: string;
  /** The child's `ctx.set` values. */
  data: Record<string, Json>;
  /** The child's steps that completed, whose undos run if the parent fails later. */
  completed: string[];
}

/** A signal a run received: kept in its context until a wait of that name consumes it. */
export interface ReceivedSignal {
  /** Unique per run: a repeated id is recorded once. */
  id: string;
  /** The wait it is for. */
  name: string;
  /** The payload, validated against the wait's schema when it was sent. */
  payload: Json;
  /** When it was sent (epoch ms). */
  sentAt: number;
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
  /** Signals received before the wait they are for was reached (absent in snapshots made before waits existed). */
  inbox?: ReceivedSignal[];
  /** What the run keeps of its completed child runs, by step. */
  children?: Record<string, ChildRecord>;
  /** The id of every signal this run took in, in order: a repeated one is ignored, and a save tells the store which it took. */
  signalIds?: string[];
}

/** The events a run accepts from outside. */
export type FlowEvent =
  | { type: "CANCEL"; reason?: string }
  | { type: "orchestrix.abortGroup"; group: string }
  | { type: "SIGNAL"; signal: ReceivedSignal };

/** A fresh record for a step that has not run. */
export function pendingRecord(): StepRecord {
  return { status: "pending", attempts: 0, startedAt: null, endedAt: null, retryAt: null, error: null, history: [] };
}
