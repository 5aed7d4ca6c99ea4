/**
 * The step-record transitions: how one event changes the records of a run's steps and
 * compensations. Plain functions over {@link FlowContext}, with the time passed in, so they can be
 * tested without a machine; each returns the part of the context that changes, as `assign` takes it.
 */
import { recordError } from "../error-record.js";
import type { Json } from "../json.js";
import type { AttemptInput, AttemptKind, AttemptOutput } from "../actors/step-context.js";
import { pendingRecord, type FlowContext, type ReceivedSignal, type StepRecord } from "../snapshot/context.js";
import type { FlowStatus } from "../types.js";

/** One step, or the compensation of one step. */
export interface Target {
  kind: AttemptKind;
  step: string;
}

type Collection = "steps" | "compensations";
const collectionOf = (kind: AttemptKind): Collection => (kind === "step" ? "steps" : "compensations");

function hasKeys(record: Record<string, unknown>): boolean {
  for (const _ in record) return true;
  return false;
}

/** The record of a step or compensation (a pending one if the context has none). */
export function recordOf(context: FlowContext, { kind, step }: Target): StepRecord {
  return context[collectionOf(kind)][step] ?? pendingRecord();
}

/** The context change that replaces the record of `target` with itself changed by `change`. */
function update(context: FlowContext, target: Target, change: (record: StepRecord) => Partial<StepRecord>): Partial<FlowContext> {
  const collection = collectionOf(target.kind);
  const current = recordOf(context, target);
  return { [collection]: { ...context[collection], [target.step]: { ...current, ...change(current) } } };
}

/** The record with its next attempt begun at `at`. */
function begun(current: StepRecord, at: number): StepRecord {
  return {
    status: "running",
    attempts: current.attempts + 1,
    startedAt: current.startedAt ?? at,
    endedAt: current.endedAt,
    retryAt: null,
    error: current.error,
    history: [...current.history, { startedAt: at, endedAt: null, error: null }],
  };
}

/** `records` with the next attempt of each of `names` begun at `at` (changes `records`). */
function beginEach(records: Record<string, StepRecord>, names: readonly string[], at: number): Record<string, StepRecord> {
  for (const name of names) records[name] = begun(records[name] ?? pendingRecord(), at);
  return records;
}

/** The history with its last attempt closed at `at`, with `error` (none when `undefined`). */
function closeAttempt(current: StepRecord, error: unknown, at: number) {
  const history = current.history.slice();
  const last = history[history.length - 1];
  if (last) history[history.length - 1] = { ...last, endedAt: at, error: error === undefined ? null : recordError(error) };
  return history;
}

/** Begins the next attempt of each of `steps` (steps or compensations, by `kind`) at `at`. */
export function beginAttempts(context: FlowContext, kind: AttemptKind, steps: readonly string[], at: number): Partial<FlowContext> {
  return kind === "step"
    ? { steps: beginEach({ ...context.steps }, steps, at) }
    : { compensations: beginEach({ ...context.compensations }, steps, at) };
}

/**
 * Records the success of `target`'s attempt at `at`: its output and `ctx.set` writes; a step's
 * success also begins the first attempt of each of `begin` (the steps its transition enters).
 */
export function completeAttempt(
  context: FlowContext,
  target: Target,
  { output, writes }: AttemptOutput,
  begin: readonly string[],
  at: number,
): Partial<FlowContext> {
  const isStep = target.kind === "step";
  const records = { ...(isStep ? context.steps : context.compensations) };
  const current = recordOf(context, target);
  records[target.step] = { ...current, status: "completed", endedAt: at, error: null, history: closeAttempt(current, undefined, at) };
  const data = hasKeys(writes) ? { ...context.data, ...writes } : context.data;
  if (!isStep) return { compensations: records, data };
  return { steps: beginEach(records, begin, at), data, outputs: { ...context.outputs, [target.step]: output as Json } };
}

/** Closes `target`'s failed attempt at `at` and schedules the next one `delayMs` later. */
export function scheduleRetry(context: FlowContext, target: Target, error: unknown, delayMs: number, at: number): Partial<FlowContext> {
  return update(context, target, (current) => ({
    status: "retrying",
    error: recordError(error),
    retryAt: at + delayMs,
    history: closeAttempt(current, error, at),
  }));
}

/** Records the final failure of `target` at `at`; the first step to fail becomes the flow's cause. */
export function giveUp(context: FlowContext, target: Target, error: unknown, at: number): Partial<FlowContext> {
  const change = update(context, target, (current) => ({
    status: "failed",
    endedAt: at,
    error: recordError(error),
    history: closeAttempt(current, error, at),
  }));
  if (target.kind === "compensation" || context.error !== null) return change;
  return { ...change, error: recordError(error), failedStep: target.step };
}

/**
 * Records a cancel. Every region of a parallel group may handle the same CANCEL: only the first
 * counts. Once a step failed (a branch of a group still running), the failure stays the cause and
 * the outcome, and the cancel only stops what is still in flight; otherwise `cause()` (called only
 * then) is the flow's error.
 */
export function cancel(context: FlowContext, reason: string | null, cause: () => unknown): Partial<FlowContext> {
  if (context.cancelled) return {};
  if (context.failedStep !== null) return { cancelled: true, cancelReason: reason };
  return { cancelled: true, cancelReason: reason, error: recordError(cause()) };
}

/**
 * Marks `target` cancelled at `at`, having been interrupted (cancel, or fail-fast of its group)
 * with `error`. `neverStarted` says its attempt in flight was stopped before its function was
 * called in this process: if it is still running, that attempt is taken back rather than counted.
 */
export function markInterrupted(context: FlowContext, target: Target, error: unknown, neverStarted: boolean, at: number): Partial<FlowContext> {
  return update(context, target, (current) => {
    const uncounted = neverStarted && current.status === "running";
    // Waiting to retry, the last attempt is already closed with its own error: keep it.
    const history =
      current.status === "retrying" ? current.history : uncounted ? current.history.slice(0, -1) : closeAttempt(current, error, at);
    return {
      status: "cancelled",
      endedAt: at,
      retryAt: null,
      attempts: uncounted ? current.attempts - 1 : current.attempts,
      history,
    };
  });
}

/**
 * Begins a wait or sleep at `at`: the step is `waiting` until `until` (absolute, so a restore keeps
 * the deadline; `null` for a wait without a timeout). It counts as the step's one attempt.
 */
export function beginPause(context: FlowContext, step: string, pause: "signal" | "sleep", until: number | null, at: number): Partial<FlowContext> {
  return { steps: { ...context.steps, [step]: { ...begun(context.steps[step] ?? pendingRecord(), at), status: "waiting", until, pause } } };
}

/** Whether the run already took in a signal with this id (a repeated id is recorded once). */
export function hasSignal(context: FlowContext, id: string): boolean {
  return (context.signalIds ?? []).includes(id);
}

/** Keeps a signal that arrived before its wait was reached; a repeated id changes nothing. */
export function keepSignal(context: FlowContext, signal: ReceivedSignal): Partial<FlowContext> {
  if (hasSignal(context, signal.id)) return {};
  return { inbox: [...(context.inbox ?? []), signal], signalIds: [...(context.signalIds ?? []), signal.id] };
}

/** The oldest kept signal for the wait `step`, if any. */
export function keptSignalFor(context: FlowContext, step: string): ReceivedSignal | undefined {
  return context.inbox?.find((signal) => signal.name === step);
}

/**
 * Ends a wait or sleep at `at` with `output` (the consumed signal's payload; `undefined` for a
 * sleep or a wait that timed out and continues), and begins each of `begin`. The consumed signal
 * leaves the inbox and joins the ids taken in, in this same change: one snapshot, one store write.
 */
export function endPause(
  context: FlowContext,
  step: string,
  output: Json | undefined,
  signal: ReceivedSignal | undefined,
  begin: readonly string[],
  at: number,
): Partial<FlowContext> {
  const current = context.steps[step] ?? pendingRecord();
  const ended: StepRecord = { ...current, status: "completed", endedAt: at, until: null, history: closeAttempt(current, undefined, at) };
  if (signal) ended.signalId = signal.id;
  const change: Partial<FlowContext> = {
    steps: beginEach({ ...context.steps, [step]: ended }, begin, at),
    outputs: output === undefined ? context.outputs : { ...context.outputs, [step]: output },
  };
  if (signal) {
    change.inbox = (context.inbox ?? []).filter((kept) => kept.id !== signal.id);
    if (!hasSignal(context, signal.id)) change.signalIds = [...(context.signalIds ?? []), signal.id];
  }
  return change;
}

/** Marks a fail-fast group as aborting its branches. */
export function markGroupAborted(context: FlowContext, group: string): Partial<FlowContext> {
  return { abortedGroups: [...context.abortedGroups, group] };
}

/** Ends the flow with `status` at `at`. */
export function finish(status: FlowStatus, at: number): Partial<FlowContext> {
  return { status, endedAt: at };
}

/** The input of the actor that runs `target`'s current attempt. */
export function attemptInput(context: FlowContext, target: Target): AttemptInput {
  return {
    kind: target.kind,
    step: target.step,
    runId: context.runId,
    attempt: recordOf(context, target).attempts,
    input: context.input,
    data: context.data,
    outputs: context.outputs,
    error: target.kind === "compensation" ? context.error : null,
  };
}

/** The wait before the next attempt, as scheduled when the last one failed. */
export function retryDelayOf(current: StepRecord | undefined): number {
  const last = current?.history[current.history.length - 1];
  return current?.retryAt != null && last?.endedAt != null ? current.retryAt - last.endedAt : 0;
}

/** How long the last attempt took (until `now` if it has not ended). */
export function lastAttemptMs(current: StepRecord, now: number): number {
  const last = current.history[current.history.length - 1];
  return last ? (last.endedAt ?? now) - last.startedAt : 0;
}
