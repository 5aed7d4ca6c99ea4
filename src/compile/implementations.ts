/**
 * The implementations the state tree names: the machine's actions, guards and actors, in one
 * `setup()`, with the events they handle typed. The state tree (`states.ts`) only refers to them.
 */
import { assign, raise, setup, type AnyStateMachine, type DoneActorEvent, type ErrorActorEvent } from "xstate";
import { flattenSteps, type FlowDefinition } from "../definition.js";
import { reviveError, type ErrorRecord } from "../error-record.js";
import { ChildFlowError, ErrorCode, FlowCancelledError, OrchestrixError, WaitTimeoutError } from "../errors.js";
import type { HookDispatcher } from "../hooks.js";
import { retryDelay, shouldRetry } from "../retry.js";
import type { FlowResult, FlowStatus, HookName } from "../types.js";
import { AttemptNotStarted, attemptActor } from "../actors/attempt.js";
import { abortAttempt } from "../actors/attempt-logic.js";
import { retryWaitActor } from "../actors/retry-wait.js";
import type { AttemptKind, AttemptOutput } from "../actors/step-context.js";
import type { FlowContext, FlowEvent } from "../snapshot/context.js";
import { keepError, keptError, wasRestored } from "../runs/registry.js";
import { childCompleted, childRecordOf } from "./child.js";
import type { FlowMachineInput } from "./input.js";
import * as records from "./records.js";
import { recordOf, type Target } from "./records.js";

/**
 * Every event the machine handles: the run's own events, and those XState sends it when an
 * invoked actor settles. An attempt's done event carries its output; a retry wait's carries none.
 */
export type FlowMachineEvent = FlowEvent | DoneActorEvent<AttemptOutput | FlowResult | undefined> | DoneActorEvent<void> | ErrorActorEvent;

/** The machines a flow invokes for its `.child()` steps: `child:<step>` runs the child, `undo:<step>` undoes a completed one. */
export type ChildMachines = Record<string, AnyStateMachine>;

/** Params of `endPause`: the wait or sleep that ends, where its output comes from, and the steps that start next. */
export interface PauseEnd {
  step: string;
  begin: string[];
  /** `kept`: a signal kept before the wait was reached; `event`: the SIGNAL event being handled; `none`: a sleep, or a wait that timed out and goes on. */
  signal: "kept" | "event" | "none";
}

/** Params of `beginAttempt`: the steps (or compensations) whose next attempt starts. */
export interface Begin {
  kind: AttemptKind;
  steps: string[];
}

/** Params of `completeAttempt`: what succeeded, and the steps that start next (entered by the same transition). */
export interface Completion {
  target: Target;
  begin: string[];
}

/** Params of the `emitHook` action. */
export interface HookParams {
  hook: HookName;
  target?: Target;
}

/** Params of the fail-fast actions: the group, its branches, and the branch that failed. */
export interface GroupAbort {
  group: string;
  branches: string[];
  failed: string;
}

/** The error a failure event carries; `undefined` for any other event. */
function errorOf(event: FlowMachineEvent): unknown {
  return "error" in event ? event.error : undefined;
}

/** The output of the attempt whose done event `event` is. */
function attemptOutputOf(event: FlowMachineEvent): AttemptOutput {
  if ("output" in event && event.output !== undefined && "writes" in event.output) return event.output;
  throw new Error(`Expected the done event of an attempt, got "${event.type}"`);
}

/** The result of the child run whose done event `event` is. */
function childResultOf(event: FlowMachineEvent): FlowResult {
  if ("output" in event && event.output !== undefined && "steps" in event.output) return event.output;
  throw new Error(`Expected the done event of a child run, got "${event.type}"`);
}

/** The `setup()` of one flow's machine: what its state tree can name, bound to the flow's steps and hooks. */
export function flowSetup(definition: FlowDefinition, hooks: HookDispatcher, children: ChildMachines) {
  const flow = definition.name;
  const steps = new Map(flattenSteps(definition.nodes).map((step) => [step.name, step]));
  const pauseOf = (step: string) => {
    const pause = steps.get(step)?.pause;
    if (!pause) throw new Error(`Flow "${flow}" has no wait or sleep named "${step}"`);
    return pause;
  };
  const policyOf = ({ kind, step }: Target) => {
    const found = steps.get(step);
    if (!found) throw new Error(`Flow "${flow}" has no step named "${step}"`);
    return kind === "step" ? found.policy : found.compensationPolicy;
  };
  const flowError = (context: FlowContext) =>
    context.error === null ? undefined : (keptError(context.runId, "flow") ?? context.error);

  const emitHook = ({ context, event }: { context: FlowContext; event: FlowMachineEvent }, { hook, target }: HookParams) => {
    const base = { flow, runId: context.runId };
    const current = target ? recordOf(context, target) : undefined;
    const step = target?.step ?? "";
    const attempt = current?.attempts ?? 0;
    const error = errorOf(event);
    switch (hook) {
      case "onFlowStart":
        return hooks.emit(hook, { ...base, input: context.input });
      case "onFlowComplete":
        return hooks.emit(hook, { ...base, durationMs: Date.now() - context.startedAt, outputs: context.outputs });
      case "onFlowFail":
        return hooks.emit(hook, {
          ...base,
          status: context.status as Exclude<FlowStatus, "completed">,
          durationMs: Date.now() - context.startedAt,
          error: flowError(context),
        });
      case "onStepStart":
        return hooks.emit(hook, { ...base, step, attempt });
      case "onStepComplete":
        return hooks.emit(hook, {
          ...base,
          step,
          attempt,
          durationMs: current ? records.lastAttemptMs(current, Date.now()) : 0,
          output: "output" in event && event.output !== undefined && "writes" in event.output ? event.output.output : undefined,
        });
      case "onStepRetry":
        return hooks.emit(hook, { ...base, step, attempt, error, delayMs: records.retryDelayOf(current) });
      case "onStepFail":
        // A wait that timed out or a child that failed ends on a done event: its error was kept by the action before.
        return hooks.emit(hook, {
          ...base,
          step,
          attempt,
          durationMs: current ? records.lastAttemptMs(current, Date.now()) : 0,
          error: error ?? keptError(context.runId, `step:${step}`),
        });
      case "onCompensate":
        return hooks.emit(hook, { ...base, step, attempt });
      case "onCompensateComplete": {
        const failed = current?.status === "failed";
        return hooks.emit(hook, {
          ...base,
          step,
          attempt,
          status: failed ? "failed" : "completed",
          durationMs: current ? records.lastAttemptMs(current, Date.now()) : 0,
          ...(failed ? { error } : {}),
        });
      }
    }
  };

  return setup({
    types: {
      context: {} as FlowContext,
      events: {} as FlowMachineEvent,
      input: {} as FlowMachineInput,
      output: {} as FlowResult,
    },
    actors: {
      attempt: attemptActor(flow, steps),
      retryWait: retryWaitActor,
      // The same durable timer, named for what it ends: a wait's timeout or a sleep.
      deadline: retryWaitActor,
      ...children,
    },
    actions: {
      // Beginning an attempt is a transition action, not an entry action of `running`: the
      // transition that completes one step begins the next in the same assign (one snapshot, not two).
      beginAttempt: assign(({ context }, { kind, steps: names }: Begin) => records.beginAttempts(context, kind, names, Date.now())),
      completeAttempt: assign(({ context, event }, { target, begin }: Completion) =>
        records.completeAttempt(context, target, attemptOutputOf(event), begin, Date.now()),
      ),
      scheduleRetry: assign(({ context, event }, target: Target) => {
        const at = Date.now();
        return records.scheduleRetry(context, target, errorOf(event), retryDelay(policyOf(target), recordOf(context, target).attempts), at);
      }),
      giveUp: assign(({ context, event }, target: Target) => records.giveUp(context, target, errorOf(event), Date.now())),
      rememberFailure: ({ context, event }) => {
        keepCause(context.runId, errorOf(event));
      },
      cancel: assign(({ context, event }) => {
        const reason = event.type === "CANCEL" ? (event.reason ?? null) : null;
        return records.cancel(context, reason, () => {
          const error = new FlowCancelledError(flow, reason ?? undefined);
          keepError(context.runId, "flow", error);
          return error;
        });
      }),
      markInterrupted: assign(({ context, event }, target: Target) => {
        const error = errorOf(event);
        // Only an attempt this process began and stopped before its function ran is uncounted:
        // one restored from a snapshot may have run in the process that died.
        const neverStarted =
          error instanceof AttemptNotStarted &&
          !wasRestored(context.runId, `${target.kind}:${target.step}:${recordOf(context, target).attempts}`);
        return records.markInterrupted(context, target, error, neverStarted, Date.now());
      }),
      abortInFlight: ({ context, self }) => {
        const reason = new FlowCancelledError(flow, context.cancelReason ?? undefined);
        const { children: running } = self.getSnapshot();
        for (const [name, current] of Object.entries(context.steps)) {
          if (current.status !== "running") continue;
          // A child run is cancelled like a run: it undoes its own completed steps, then ends.
          if (steps.get(name)?.child) running[name]?.send({ type: "CANCEL", ...(context.cancelReason ? { reason: context.cancelReason } : {}) });
          else abortAttempt(running[name], reason);
        }
      },
      markGroupAborted: assign(({ context }, { group }: GroupAbort) => records.markGroupAborted(context, group)),
      abortBranches: ({ context, self }, { group, branches, failed }: GroupAbort) => {
        const reason = new OrchestrixError(ErrorCode.FLOW_CANCELLED, `Aborted because branch "${failed}" of group "${group}" failed`, {
          flow,
          step: failed,
        });
        const { children } = self.getSnapshot();
        for (const name of branches) {
          if (context.steps[name]?.status === "running") abortAttempt(children[name], reason);
        }
      },
      announceGroupAbort: raise((_, { group }: GroupAbort) => ({ type: "orchestrix.abortGroup" as const, group })),
      finish: assign((_, { status }: { status: FlowStatus }) => records.finish(status, Date.now())),
      beginPause: assign(({ context }, { step }: { step: string }) => {
        const at = Date.now();
        const pause = pauseOf(step);
        const until =
          pause.type === "sleep"
            ? pause.until({ input: context.input, outputs: context.outputs, now: at })
            : pause.timeoutMs === undefined
              ? null
              : at + pause.timeoutMs;
        return records.beginPause(context, step, pause.type, until, at);
      }),
      keepSignal: assign(({ context, event }) => (event.type === "SIGNAL" ? records.keepSignal(context, event.signal) : {})),
      endPause: assign(({ context, event }, { step, begin, signal: source }: PauseEnd) => {
        const signal =
          source === "kept" ? records.keptSignalFor(context, step) : source === "event" && event.type === "SIGNAL" ? event.signal : undefined;
        return records.endPause(context, step, signal?.payload, signal, begin, Date.now());
      }),
      timeOut: assign(({ context }, target: Target) => {
        const pause = pauseOf(target.step);
        const error = new WaitTimeoutError(flow, target.step, pause.type === "signal" ? (pause.timeoutMs ?? 0) : 0);
        keepError(context.runId, `step:${target.step}`, error);
        keepCause(context.runId, error);
        return records.giveUp(context, target, error, Date.now());
      }),
      completeChild: assign(({ context, event }, { target, begin }: Completion) => {
        const result = childResultOf(event);
        return {
          ...records.completeAttempt(context, target, { output: result.outputs as AttemptOutput["output"], writes: {} }, begin, Date.now()),
          children: { ...context.children, [target.step]: childRecordOf(result) },
        };
      }),
      childFailed: assign(({ context, event }, target: Target) => {
        const result = childResultOf(event);
        const child = steps.get(target.step)?.child?.flow.name ?? target.step;
        const cause = result.status === "completed" ? undefined : result.error;
        const error = new ChildFlowError(flow, target.step, child, result.status, isRecordLike(cause) ? reviveError(cause) : cause);
        keepError(context.runId, `step:${target.step}`, error);
        keepCause(context.runId, error);
        return records.giveUp(context, target, error, Date.now());
      }),
      endUndo: assign(({ context, event }, target: Target) => {
        const result = childResultOf(event);
        const at = Date.now();
        if (result.status !== "compensation_failed") return records.completeAttempt(context, target, { output: undefined, writes: {} }, [], at);
        const failure = result.compensationErrors?.[0];
        const cause = isRecordLike(failure?.error) ? reviveError(failure.error) : failure?.error;
        const child = steps.get(target.step)?.child?.flow.name ?? target.step;
        return records.giveUp(context, target, new ChildFlowError(flow, target.step, child, "compensation_failed", cause), at);
      }),
      emitHook,
    },
    guards: {
      signalKept: ({ context }, { step }: { step: string }) => records.keptSignalFor(context, step) !== undefined,
      signalFor: ({ context, event }, { step }: { step: string }) =>
        event.type === "SIGNAL" && event.signal.name === step && !records.hasSignal(context, event.signal.id),
      childCompleted: ({ context, event }, { cancelled }: { cancelled: boolean }) =>
        "output" in event && childCompleted(event.output) && context.cancelled === cancelled,
      canRetry: ({ context, event }, target: Target) => shouldRetry(policyOf(target), errorOf(event), recordOf(context, target).attempts),
      stepCompleted: ({ context }, { step }: { step: string }) => context.steps[step]?.status === "completed",
      groupFailed: ({ context }, { branches }: { branches: string[] }) => branches.some((name) => context.steps[name]?.status === "failed"),
      compensationFailed: ({ context }) => Object.values(context.compensations).some((current) => current.status === "failed"),
      cancelled: ({ context }) => context.cancelled,
      endsCancelled: ({ context }) => context.cancelled && context.failedStep === null,
      interrupted: ({ context }, { group }: { group: string | null }) =>
        context.cancelled || (group !== null && context.abortedGroups.includes(group)),
    },
  });
}

/** Keeps `error` as what failed the flow, unless an earlier failure already is. */
function keepCause(runId: string, error: unknown): void {
  if (keptError(runId, "flow") === undefined) keepError(runId, "flow", error);
}

/** Whether a result's error is still an error record (a child's result carries records, not `Error`s). */
function isRecordLike(value: unknown): value is ErrorRecord {
  return typeof value === "object" && value !== null && !(value instanceof Error) && typeof (value as { message?: unknown }).message === "string";
}

/** What {@link flowSetup} returns: the typed `createMachine` and `createStateConfig` of a flow's machine. */
export type FlowSetup = ReturnType<typeof flowSetup>;
