import { assign, raise, setup } from "xstate";
import {
  compensationOrder,
  definitionHash,
  flattenSteps,
  type FlowDefinition,
  type StepDefinition,
} from "../definition.js";
import { recordError } from "../error-record.js";
import { ErrorCode, FlowCancelledError, OrchestrixError } from "../errors.js";
import { HookDispatcher } from "../hooks.js";
import type { Json } from "../json.js";
import { retryDelay, shouldRetry } from "../retry.js";
import type { AttemptInput, AttemptKind, AttemptOutput } from "../step-context.js";
import type { FlowStatus, HookName } from "../types.js";
import { AttemptNotStarted, attemptActor, retryWaitActor } from "./actors.js";
import { abortAttempt } from "./attempt-logic.js";
import { pendingRecord, type FlowContext, type FlowEvent, type StepRecord } from "../snapshot/context.js";
import { createInitialContext, type FlowMachineInput } from "./input.js";
import { keepError, keptError, wasRestored } from "../runs/registry.js";
import { buildResult } from "./result.js";

/** Identifies one step or compensation in action and guard params. */
interface Target {
  kind: AttemptKind;
  step: string;
}

/** Params of `beginAttempt`: the steps (or compensations) whose next attempt starts. */
interface Begin {
  kind: AttemptKind;
  steps: string[];
}

/** Params of `completeAttempt`: what succeeded, and the steps that start next (entered by the same transition). */
interface Completion {
  target: Target;
  begin: string[];
}

/** Params of the `emitHook` action. */
interface HookParams {
  hook: HookName;
  target?: Target;
}

/** Where a parallel branch belongs. */
interface GroupWiring {
  name: string;
  failFast: boolean;
  branches: string[];
}

/** Params of the fail-fast actions: the group, its branches, and the branch that failed. */
interface GroupAbort {
  group: string;
  branches: string[];
  failed: string;
}

/** Where the outcomes of one step's (or compensation's) attempts lead. */
interface Wiring {
  /** Guarded transitions taken when an attempt succeeds, with the steps each one starts. */
  onSuccess: { guard?: string; target: string; begin?: string[] }[];
  /** Where a final failure goes. */
  onGiveUp: string;
  /** Where an interrupted step goes (cancel; fail-fast of its group). */
  onInterrupted: string;
  group?: GroupWiring;
}

/** The state a transition leads to after a node, and the steps whose first attempt it begins. */
interface NextNode {
  path: string;
  begins: string[];
}

type Collection = "steps" | "compensations";
const collectionOf = (kind: AttemptKind): Collection => (kind === "step" ? "steps" : "compensations");

function hasKeys(record: Record<string, unknown>): boolean {
  for (const _ in record) return true;
  return false;
}

/** Plain-object state node config; the machine's shape is generated, so it is typed loosely here. */
type NodeConfig = Record<string, unknown>;

/** What `compileFlow` produces: the machine and the hash of the flow's shape (no process state). */
export interface CompiledFlow {
  machine: ReturnType<typeof createFlowMachine>;
  definitionHash: string;
}

/** Compiles a flow definition into an XState v5 machine (DESIGN §2). */
export function compileFlow(definition: FlowDefinition): CompiledFlow {
  const hash = definitionHash(definition.nodes);
  return { machine: createFlowMachine(definition, hash), definitionHash: hash };
}

function createFlowMachine(definition: FlowDefinition, hash: string) {
  const flow = definition.name;
  const steps = new Map(flattenSteps(definition.nodes).map((step) => [step.name, step]));
  const hooks = new HookDispatcher(definition.hooks, definition.plugins);
  const now = () => Date.now();
  const record = (context: FlowContext, { kind, step }: Target): StepRecord =>
    context[collectionOf(kind)][step] ?? pendingRecord();
  const policyOf = ({ kind, step }: Target) => {
    const found = steps.get(step);
    if (!found) throw new Error(`Flow "${flow}" has no step named "${step}"`);
    return kind === "step" ? found.policy : found.compensationPolicy;
  };
  const update = (context: FlowContext, target: Target, change: (record: StepRecord) => Partial<StepRecord>) => {
    const collection = collectionOf(target.kind);
    const current = record(context, target);
    return { [collection]: { ...context[collection], [target.step]: { ...current, ...change(current) } } };
  };
  /** The record with its next attempt begun at `at`. */
  const begun = (current: StepRecord, at: number): StepRecord => ({
    status: "running",
    attempts: current.attempts + 1,
    startedAt: current.startedAt ?? at,
    endedAt: current.endedAt,
    retryAt: null,
    error: current.error,
    history: [...current.history, { startedAt: at, endedAt: null, error: null }],
  });
  /** `records` with the next attempt of each of `names` begun at `at` (changes `records`). */
  const beginEach = (records: Record<string, StepRecord>, names: readonly string[], at: number) => {
    for (const name of names) records[name] = begun(records[name] ?? pendingRecord(), at);
    return records;
  };
  const closeAttempt = (current: StepRecord, error: unknown, at = now()) => {
    const history = current.history.slice();
    const last = history[history.length - 1];
    if (last) history[history.length - 1] = { ...last, endedAt: at, error: error === undefined ? null : recordError(error) };
    return history;
  };
  /** The wait before the next attempt, as scheduled when the last one failed. */
  const retryDelayOf = (current: StepRecord | undefined) => {
    const last = current?.history[current.history.length - 1];
    return current?.retryAt != null && last?.endedAt != null ? current.retryAt - last.endedAt : 0;
  };
  const lastAttemptMs = (current: StepRecord) => {
    const last = current.history[current.history.length - 1];
    return last ? (last.endedAt ?? now()) - last.startedAt : 0;
  };
  const flowError = (context: FlowContext) =>
    context.error === null ? undefined : (keptError(context.runId, "flow") ?? context.error);

  const emitHook = ({ context, event }: { context: FlowContext; event: unknown }, { hook, target }: HookParams) => {
    const base = { flow, runId: context.runId };
    const current = target ? record(context, target) : undefined;
    const step = target?.step ?? "";
    const attempt = current?.attempts ?? 0;
    const error = (event as { error?: unknown }).error;
    switch (hook) {
      case "onFlowStart":
        return hooks.emit(hook, { ...base, input: context.input });
      case "onFlowComplete":
        return hooks.emit(hook, { ...base, durationMs: now() - context.startedAt, outputs: context.outputs });
      case "onFlowFail":
        return hooks.emit(hook, {
          ...base,
          status: context.status as Exclude<FlowStatus, "completed">,
          durationMs: now() - context.startedAt,
          error: flowError(context),
        });
      case "onStepStart":
        return hooks.emit(hook, { ...base, step, attempt });
      case "onStepComplete":
        return hooks.emit(hook, {
          ...base,
          step,
          attempt,
          durationMs: current ? lastAttemptMs(current) : 0,
          output: (event as { output?: AttemptOutput }).output?.output,
        });
      case "onStepRetry":
        return hooks.emit(hook, { ...base, step, attempt, error, delayMs: retryDelayOf(current) });
      case "onStepFail":
        return hooks.emit(hook, { ...base, step, attempt, durationMs: current ? lastAttemptMs(current) : 0, error });
      case "onCompensate":
        return hooks.emit(hook, { ...base, step, attempt });
      case "onCompensateComplete": {
        const failed = current?.status === "failed";
        return hooks.emit(hook, {
          ...base,
          step,
          attempt,
          status: failed ? "failed" : "completed",
          durationMs: current ? lastAttemptMs(current) : 0,
          ...(failed ? { error } : {}),
        });
      }
    }
  };

  const machineSetup = setup({
    types: {
      context: {} as FlowContext,
      events: {} as FlowEvent,
      input: {} as FlowMachineInput,
      output: {} as ReturnType<typeof buildResult>,
    },
    actors: {
      attempt: attemptActor(flow, steps),
      retryWait: retryWaitActor,
    },
    actions: {
      // Beginning an attempt is a transition action, not an entry action of `running`: the
      // transition that completes one step begins the next in the same assign (one snapshot, not two).
      beginAttempt: assign(({ context }, { kind, steps: names }: Begin) => {
        const at = now();
        return kind === "step"
          ? { steps: beginEach({ ...context.steps }, names, at) }
          : { compensations: beginEach({ ...context.compensations }, names, at) };
      }),
      completeAttempt: assign(({ context, event }, { target, begin }: Completion) => {
        const { output, writes } = (event as unknown as { output: AttemptOutput }).output;
        const at = now();
        const isStep = target.kind === "step";
        const records = { ...(isStep ? context.steps : context.compensations) };
        const current = record(context, target);
        records[target.step] = { ...current, status: "completed", endedAt: at, error: null, history: closeAttempt(current, undefined, at) };
        const data = hasKeys(writes) ? { ...context.data, ...writes } : context.data;
        if (!isStep) return { compensations: records, data };
        return { steps: beginEach(records, begin, at), data, outputs: { ...context.outputs, [target.step]: output as Json } };
      }),
      scheduleRetry: assign(({ context, event }, target: Target) => {
        const error = (event as { error?: unknown }).error;
        const at = now();
        return update(context, target, (current) => ({
          status: "retrying",
          error: recordError(error),
          retryAt: at + retryDelay(policyOf(target), current.attempts),
          history: closeAttempt(current, error, at),
        }));
      }),
      giveUp: assign(({ context, event }, target: Target) => {
        const error = (event as { error?: unknown }).error;
        const change = update(context, target, (current) => ({
          status: "failed",
          endedAt: now(),
          error: recordError(error),
          history: closeAttempt(current, error),
        }));
        if (target.kind === "compensation" || context.error !== null) return change;
        return { ...change, error: recordError(error), failedStep: target.step };
      }),
      rememberFailure: ({ context, event }) => {
        if (keptError(context.runId, "flow") === undefined) {
          keepError(context.runId, "flow", (event as { error?: unknown }).error);
        }
      },
      cancel: assign(({ context, event }) => {
        // Every region of a parallel group may handle the same CANCEL: only the first one counts.
        if (context.cancelled) return {};
        const reason = (event as { reason?: string }).reason ?? null;
        // A step already failed (a branch of a group still running): the failure stays the cause
        // and the outcome; the cancel only stops what is still in flight.
        if (context.failedStep !== null) return { cancelled: true, cancelReason: reason };
        const error = new FlowCancelledError(flow, reason ?? undefined);
        keepError(context.runId, "flow", error);
        return { cancelled: true, cancelReason: reason, error: recordError(error) };
      }),
      markInterrupted: assign(({ context, event }, target: Target) => {
        const error = (event as { error?: unknown }).error;
        return update(context, target, (current) => {
          // Only an attempt this process began and stopped before its function ran is uncounted:
          // one restored from a snapshot may have run in the process that died.
          const neverStarted =
            error instanceof AttemptNotStarted &&
            current.status === "running" &&
            !wasRestored(context.runId, `${target.kind}:${target.step}:${current.attempts}`);
          // Waiting to retry, the last attempt is already closed with its own error: keep it.
          const history =
            current.status === "retrying" ? current.history : neverStarted ? current.history.slice(0, -1) : closeAttempt(current, error);
          return {
            status: "cancelled",
            endedAt: now(),
            retryAt: null,
            attempts: neverStarted ? current.attempts - 1 : current.attempts,
            history,
          };
        });
      }),
      abortInFlight: ({ context, self }) => {
        const reason = new FlowCancelledError(flow, context.cancelReason ?? undefined);
        const { children } = self.getSnapshot();
        for (const [name, current] of Object.entries(context.steps)) {
          if (current.status === "running") abortAttempt(children[name], reason);
        }
      },
      markGroupAborted: assign(({ context }, { group }: GroupAbort) => ({ abortedGroups: [...context.abortedGroups, group] })),
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
      finish: assign((_, { status }: { status: FlowStatus }) => ({ status, endedAt: now() })),
      emitHook,
    },
    guards: {
      canRetry: ({ context, event }, target: Target) =>
        shouldRetry(policyOf(target), (event as { error?: unknown }).error, record(context, target).attempts),
      stepCompleted: ({ context }, { step }: { step: string }) => context.steps[step]?.status === "completed",
      groupFailed: ({ context }, { branches }: { branches: string[] }) =>
        branches.some((name) => context.steps[name]?.status === "failed"),
      compensationFailed: ({ context }) =>
        Object.values(context.compensations).some((current) => current.status === "failed"),
      cancelled: ({ context }) => context.cancelled,
      endsCancelled: ({ context }) => context.cancelled && context.failedStep === null,
      interrupted: ({ context }, { group }: { group: string | null }) =>
        context.cancelled || (group !== null && context.abortedGroups.includes(group)),
    },
  });

  const root = `#${flow}`;
  const hook = (name: HookName, target?: Target) =>
    hooks.has(name) ? [{ type: "emitHook", params: target ? { hook: name, target } : { hook: name } }] : [];
  const attemptInput =
    (target: Target) =>
    ({ context }: { context: FlowContext }): AttemptInput => ({
      kind: target.kind,
      step: target.step,
      runId: context.runId,
      attempt: record(context, target).attempts,
      input: context.input,
      data: context.data,
      outputs: context.outputs,
      error: target.kind === "compensation" ? context.error : null,
    });

  const beginAttempt = (params: Begin) => ({ type: "beginAttempt", params });
  /** Where the flow goes after a node, and the steps that entering it starts. */
  const nextNode = (node: FlowDefinition["nodes"][number] | undefined): NextNode =>
    node === undefined
      ? { path: `${root}.completed`, begins: [] }
      : { path: `${root}.steps.${node.name}`, begins: node.kind === "step" ? [node.name] : node.branches.map((branch) => branch.name) };

  /** Fail-fast: mark the group aborted, abort its branches in flight, and tell those waiting to retry. */
  const abortGroup = (params: GroupAbort) =>
    ["markGroupAborted", "abortBranches", "announceGroupAbort"].map((type) => ({ type, params }));

  /**
   * `running` + `retrying` for one step or compensation. `wiring` says where each outcome goes.
   * A step being interrupted (cancel, or fail-fast of its group) has its signal aborted but is
   * waited for: if its work completed anyway it is recorded, and so compensated, rather than lost.
   */
  const attemptStates = (target: Target, wiring: Wiring): NodeConfig => {
    const isStep = target.kind === "step";
    const id = isStep ? target.step : `${target.step}:compensate`;
    const interrupt = { target: wiring.onInterrupted, actions: [{ type: "markInterrupted", params: target }] };
    const completion = (begin: string[]) => [
      { type: "completeAttempt", params: { target, begin } satisfies Completion },
      ...hook(isStep ? "onStepComplete" : "onCompensateComplete", target),
    ];
    const entry = hook(isStep ? "onStepStart" : "onCompensate", target);
    return {
      running: {
        ...(entry.length > 0 ? { entry } : {}),
        invoke: {
          id,
          src: "attempt",
          input: attemptInput(target),
          onDone: wiring.onSuccess.map(({ begin = [], ...transition }) => ({ ...transition, actions: completion(begin) })),
          onError: [
            ...(isStep ? [{ guard: { type: "interrupted", params: { group: wiring.group?.name ?? null } }, ...interrupt }] : []),
            {
              guard: { type: "canRetry", params: target },
              target: "retrying",
              actions: [{ type: "scheduleRetry", params: target }, ...(isStep ? hook("onStepRetry", target) : [])],
            },
            {
              target: wiring.onGiveUp,
              actions: [
                { type: "giveUp", params: target },
                ...(isStep ? [{ type: "rememberFailure" }] : []),
                ...hook(isStep ? "onStepFail" : "onCompensateComplete", target),
                ...(wiring.group?.failFast ? abortGroup({ group: wiring.group.name, branches: wiring.group.branches, failed: target.step }) : []),
              ],
            },
          ],
        },
      },
      retrying: {
        invoke: {
          id: `${id}:retry-wait`,
          src: "retryWait",
          input: ({ context }: { context: FlowContext }) => ({ until: record(context, target).retryAt ?? 0 }),
          onDone: { target: "running", actions: [beginAttempt({ kind: target.kind, steps: [target.step] })] },
        },
        ...(isStep
          ? {
              on: {
                CANCEL: { target: wiring.onInterrupted, actions: [{ type: "cancel" }, { type: "markInterrupted", params: target }] },
                ...(wiring.group?.failFast ? { "orchestrix.abortGroup": interrupt } : {}),
              },
            }
          : {}),
      },
    };
  };

  const stepNode = (step: StepDefinition, next: NextNode, group: GroupWiring | undefined): NodeConfig => {
    const target: Target = { kind: "step", step: step.name };
    const policy = step.policy;
    const description = `Runs "${step.name}": up to ${policy.retries + 1} attempt(s)${step.compensate ? "; can be undone" : ""}`;
    if (group === undefined) {
      const wiring: Wiring = {
        onSuccess: [{ guard: "cancelled", target: `${root}.compensating` }, { target: next.path, begin: next.begins }],
        onGiveUp: `${root}.compensating`,
        onInterrupted: `${root}.compensating`,
      };
      return { description, initial: "running", states: attemptStates(target, wiring) };
    }
    // A branch of a parallel group ends in one of its own final states; the group decides what follows.
    const wiring: Wiring = { onSuccess: [{ target: "done" }], onGiveUp: "failed", onInterrupted: "cancelled", group };
    return {
      description,
      initial: "running",
      states: {
        ...attemptStates(target, wiring),
        done: { type: "final" },
        failed: { type: "final" },
        cancelled: { type: "final" },
      },
    };
  };

  const stepStates: Record<string, NodeConfig> = {};
  definition.nodes.forEach((node, index) => {
    const next = nextNode(definition.nodes[index + 1]);
    if (node.kind === "step") {
      stepStates[node.name] = stepNode(node, next, undefined);
      return;
    }
    const group: GroupWiring = { name: node.name, failFast: node.failFast, branches: node.branches.map((b) => b.name) };
    stepStates[node.name] = {
      type: "parallel",
      description: `Runs ${node.branches.length} branches at once${node.failFast ? "; the first failure stops the others" : ""}`,
      states: Object.fromEntries(node.branches.map((branch) => [branch.name, stepNode(branch, next, group)])),
      onDone: [
        { guard: { type: "groupFailed", params: { branches: group.branches } }, target: `${root}.compensating` },
        { guard: "cancelled", target: `${root}.compensating` },
        { target: next.path, ...(next.begins.length > 0 ? { actions: [beginAttempt({ kind: "step", steps: next.begins })] } : {}) },
      ],
    };
  });

  const undoOrder = compensationOrder(definition.nodes);
  const compensationStates: Record<string, NodeConfig> = {};
  undoOrder.forEach((step, index) => {
    const following = undoOrder[index + 1];
    const next = following ? `${root}.compensating.${following.name}` : `${root}.compensating.done`;
    const target: Target = { kind: "compensation", step: step.name };
    compensationStates[step.name] = {
      description: `Undoes "${step.name}" if it completed`,
      initial: "check",
      states: {
        check: {
          always: [
            {
              guard: { type: "stepCompleted", params: { step: step.name } },
              target: "running",
              actions: [beginAttempt({ kind: "compensation", steps: [step.name] })],
            },
            { target: next },
          ],
        },
        ...attemptStates(target, { onSuccess: [{ target: next }], onGiveUp: next, onInterrupted: next }),
      },
    };
  });

  const finalState = (status: FlowStatus) => ({
    type: "final",
    entry: [{ type: "finish", params: { status } }, ...hook(status === "completed" ? "onFlowComplete" : "onFlowFail")],
  });

  const firstNode = definition.nodes[0];
  const config: NodeConfig = {
    id: flow,
    context: ({ input, self }: { input: FlowMachineInput; self: { id: string; sessionId: string } }) =>
      createInitialContext(definition, hash, input, self),
    initial: firstNode ? "steps" : "completed",
    entry: hook("onFlowStart"),
    states: {
      ...(firstNode
        ? {
            steps: {
              initial: firstNode.name,
              entry: [beginAttempt({ kind: "step", steps: nextNode(firstNode).begins })],
              states: stepStates,
              // Cancelling aborts in-flight attempts and waits for them to settle (see attemptStates).
              on: { CANCEL: { actions: [{ type: "cancel" }, { type: "abortInFlight" }] } },
            },
          }
        : {}),
      compensating: {
        initial: undoOrder[0]?.name ?? "done",
        states: { ...compensationStates, done: { type: "final" } },
        onDone: [
          { guard: "compensationFailed", target: "compensation_failed" },
          { guard: "endsCancelled", target: "cancelled" },
          { target: "failed" },
        ],
      },
      completed: finalState("completed"),
      failed: finalState("failed"),
      cancelled: finalState("cancelled"),
      compensation_failed: finalState("compensation_failed"),
    },
    output: ({ context }: { context: FlowContext }) => buildResult(context, definition, (_, error) => error),
  };
  // The config is generated from the definition, so its exact literal type cannot be spelled out here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return machineSetup.createMachine(config as any);
}

export type { FlowContext, FlowEvent };
