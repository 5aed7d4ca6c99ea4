/**
 * The implementations the state tree names: the machine's actions, guards and actors, in one
 * `setup()`, with the events they handle typed. The state tree (`states.ts`) only refers to them.
 */
import { assign, raise, setup, type DoneActorEvent, type ErrorActorEvent } from "xstate";
import { flattenSteps, type FlowDefinition } from "../definition.js";
import { ErrorCode, FlowCancelledError, OrchestrixError } from "../errors.js";
import type { HookDispatcher } from "../hooks.js";
import { retryDelay, shouldRetry } from "../retry.js";
import type { FlowResult, FlowStatus, HookName } from "../types.js";
import { AttemptNotStarted, attemptActor } from "../actors/attempt.js";
import { abortAttempt } from "../actors/attempt-logic.js";
import { retryWaitActor } from "../actors/retry-wait.js";
import type { AttemptKind, AttemptOutput } from "../actors/step-context.js";
import type { FlowContext, FlowEvent } from "../snapshot/context.js";
import { keepError, keptError, wasRestored } from "../runs/registry.js";
import type { FlowMachineInput } from "./input.js";
import * as records from "./records.js";
import { recordOf, type Target } from "./records.js";

/**
 * Every event the machine handles: the run's own events, and those XState sends it when an
 * invoked actor settles. An attempt's done event carries its output; a retry wait's carries none.
 */
export type FlowMachineEvent = FlowEvent | DoneActorEvent<AttemptOutput | undefined> | ErrorActorEvent;

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
  if ("output" in event && event.output !== undefined) return event.output;
  throw new Error(`Expected the done event of an attempt, got "${event.type}"`);
}

/** The `setup()` of one flow's machine: what its state tree can name, bound to the flow's steps and hooks. */
export function flowSetup(definition: FlowDefinition, hooks: HookDispatcher) {
  const flow = definition.name;
  const steps = new Map(flattenSteps(definition.nodes).map((step) => [step.name, step]));
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
          output: "output" in event ? event.output?.output : undefined,
        });
      case "onStepRetry":
        return hooks.emit(hook, { ...base, step, attempt, error, delayMs: records.retryDelayOf(current) });
      case "onStepFail":
        return hooks.emit(hook, { ...base, step, attempt, durationMs: current ? records.lastAttemptMs(current, Date.now()) : 0, error });
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
        if (keptError(context.runId, "flow") === undefined) keepError(context.runId, "flow", errorOf(event));
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
        const { children } = self.getSnapshot();
        for (const [name, current] of Object.entries(context.steps)) {
          if (current.status === "running") abortAttempt(children[name], reason);
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
      emitHook,
    },
    guards: {
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

/** What {@link flowSetup} returns: the typed `createMachine` and `createStateConfig` of a flow's machine. */
export type FlowSetup = ReturnType<typeof flowSetup>;
