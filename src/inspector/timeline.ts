/**
 * The step timeline of an Orchestrix run, read from its snapshot context (`steps` and
 * `compensations` records): attempts with their durations and errors, and the retry waits between them.
 * The context comes from any reporter, so every field is checked rather than trusted.
 */
import { isRecord } from "../graph/guards.js";

/** One attempt of a step or compensation. */
export interface TimelineAttempt {
  /** 1-based. */
  number: number;
  startedAt: number;
  /** `null` while the attempt runs. */
  endedAt: number | null;
  /** Why the attempt failed; `null` when it succeeded or still runs. */
  error: string | null;
}

/** A pause before a retry: from the end of a failed attempt to the start of the next (or the planned time, while waiting). */
export interface TimelineWait {
  from: number;
  until: number;
  /** Still waiting. */
  pending: boolean;
}

/** One step (or compensation) of the timeline. */
export interface TimelineRow {
  name: string;
  kind: "step" | "compensation";
  /** `pending`, `running`, `retrying`, `completed`, `failed` or `cancelled`; `skipped` for a step the ended run never reached. */
  status: string;
  attempts: TimelineAttempt[];
  waits: TimelineWait[];
  /** The latest error message. */
  error: string | null;
  /** For a `.waitFor()` or `.sleep()` step once reached: what it waits for, until when, and the signal it took. */
  pause?: { kind: "signal" | "sleep"; until: number | null; signalId: string | null };
}

/** A signal the run received: `taken` by its wait, or `kept` until the run reaches that wait. */
export interface TimelineSignal {
  id: string;
  name: string;
  sentAt: number | null;
  state: "taken" | "kept";
}

/** Everything the page needs to draw a run's timeline. */
export interface Timeline {
  startedAt: number | null;
  endedAt: number | null;
  /** The flow's own status (`running`, `completed`, `failed`, …), when the context says it. */
  status: string | null;
  failedStep: string | null;
  rows: TimelineRow[];
  /** The signals the run received, in the order they were sent. */
  signals: TimelineSignal[];
}

/**
 * Reads the timeline out of an Orchestrix context; `null` for contexts of other machines. Rows come
 * in the order they started; `order` (step names in definition order, see {@link stepOrderOf})
 * breaks ties, such as a parallel group's branches started in the same millisecond.
 */
export function timelineOf(context: unknown, order: readonly string[] = []): Timeline | null {
  if (!isRecord(context) || !isRecord(context.steps)) return null;
  const rows: TimelineRow[] = [];
  const ranks = new Map(order.map((name, index) => [name, index]));
  const read = (records: unknown, kind: TimelineRow["kind"]) => {
    if (!isRecord(records)) return;
    const found: TimelineRow[] = [];
    for (const [name, record] of Object.entries(records)) {
      const row = rowOf(name, kind, record);
      // Compensations that never ran (their step had not completed) say nothing useful.
      if (row && (kind === "step" || row.status !== "pending")) found.push(row);
    }
    // In the order they started (reporters may sort the context's keys); steps not started yet come last.
    const start = (row: TimelineRow) => row.attempts[0]?.startedAt ?? Number.POSITIVE_INFINITY;
    const rank = (row: TimelineRow) => ranks.get(row.name) ?? ranks.size;
    const sorted = found.map((row, index) => ({ row, index })).sort((a, b) => start(a.row) - start(b.row) || rank(a.row) - rank(b.row) || a.index - b.index);
    rows.push(...sorted.map(({ row }) => row));
  };
  read(context.steps, "step");
  read(context.compensations, "compensation");
  // A step still pending when the run has ended never ran: it was skipped, as the graph draws it.
  const ended = typeof context.status === "string" && context.status !== "running";
  if (ended) for (const row of rows) if (row.kind === "step" && row.status === "pending") row.status = "skipped";
  return {
    startedAt: numberOrNull(context.startedAt),
    endedAt: numberOrNull(context.endedAt),
    status: typeof context.status === "string" ? context.status : null,
    failedStep: typeof context.failedStep === "string" ? context.failedStep : null,
    rows,
    signals: signalsOf(context),
  };
}

/** The signals a context took in: those its waits consumed, and those kept for a wait not reached yet. */
function signalsOf(context: Record<string, unknown>): TimelineSignal[] {
  const signals: TimelineSignal[] = [];
  if (isRecord(context.steps)) {
    for (const [name, record] of Object.entries(context.steps)) {
      if (isRecord(record) && typeof record.signalId === "string") {
        signals.push({ id: record.signalId, name, sentAt: numberOrNull(record.endedAt), state: "taken" });
      }
    }
  }
  if (Array.isArray(context.inbox)) {
    for (const kept of context.inbox) {
      if (isRecord(kept) && typeof kept.id === "string" && typeof kept.name === "string") {
        signals.push({ id: kept.id, name: kept.name, sentAt: numberOrNull(kept.sentAt), state: "kept" });
      }
    }
  }
  return signals.sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
}

/** The step names of an Orchestrix machine definition in definition order, parallel branches in place of their group. */
export function stepOrderOf(definition: Record<string, unknown>): string[] {
  const states = isRecord(definition.states) && isRecord(definition.states.steps) ? definition.states.steps.states : undefined;
  if (!isRecord(states)) return [];
  const names: string[] = [];
  for (const [name, config] of Object.entries(states)) {
    if (isRecord(config) && config.type === "parallel" && isRecord(config.states)) names.push(...Object.keys(config.states));
    else names.push(name);
  }
  return names;
}

function rowOf(name: string, kind: TimelineRow["kind"], record: unknown): TimelineRow | null {
  if (!isRecord(record)) return null;
  const history = Array.isArray(record.history) ? record.history : [];
  const attempts: TimelineAttempt[] = [];
  for (const entry of history) {
    if (!isRecord(entry)) continue;
    const startedAt = numberOrNull(entry.startedAt);
    if (startedAt === null) continue;
    attempts.push({ number: attempts.length + 1, startedAt, endedAt: numberOrNull(entry.endedAt), error: messageOf(entry.error) });
  }
  const waits: TimelineWait[] = [];
  for (let i = 1; i < attempts.length; i++) {
    const before = attempts[i - 1]!;
    const after = attempts[i]!;
    if (before.endedAt !== null) waits.push({ from: before.endedAt, until: after.startedAt, pending: false });
  }
  const status = typeof record.status === "string" ? record.status : "pending";
  const retryAt = numberOrNull(record.retryAt);
  const last = attempts[attempts.length - 1];
  if (status === "retrying" && retryAt !== null && last?.endedAt != null) {
    waits.push({ from: last.endedAt, until: retryAt, pending: true });
  }
  const row: TimelineRow = { name, kind, status, attempts, waits, error: messageOf(record.error) };
  if (record.pause === "signal" || record.pause === "sleep") {
    row.pause = { kind: record.pause, until: numberOrNull(record.until), signalId: typeof record.signalId === "string" ? record.signalId : null };
  }
  return row;
}

function messageOf(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === "string") return error;
  if (isRecord(error)) {
    const name = typeof error.name === "string" && error.name !== "Error" ? `${error.name}: ` : "";
    if (typeof error.message === "string") return `${name}${error.message}`;
  }
  return JSON.stringify(error) ?? String(error);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
