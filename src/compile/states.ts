/**
 * The state tree of a flow's machine (DESIGN §2): a `steps` state with one state per step or
 * parallel group, a `compensating` state with one state per compensation, and the four final
 * states. It names the implementations of `implementations.ts`, typed by that `setup()`.
 */
import { compensationOrder, type FlowDefinition, type Pause, type StepDefinition } from "../definition.js";
import type { HookDispatcher } from "../hooks.js";
import type { FlowContext } from "../snapshot/context.js";
import type { FlowStatus, HookName } from "../types.js";
import type { Begin, Completion, FlowSetup, GroupAbort, PauseEnd } from "./implementations.js";
import { createInitialContext } from "./input.js";
import { attemptInput, recordOf, type Target } from "./records.js";
import { buildResult } from "./result.js";
import { childInputOf, undoInputOf } from "./child.js";

/** The config of the whole machine, as the flow's `createMachine` takes it. */
export type FlowMachineConfig = Parameters<FlowSetup["createMachine"]>[0];
/** The config of one state node, naming only the flow's own actions, guards and actors. */
type StateConfig = Parameters<FlowSetup["createStateConfig"]>[0];
type States = Record<string, StateConfig>;
/** A list of actions (named, with their params) as a state's `entry` or a transition takes it. */
type Actions = Extract<NonNullable<StateConfig["entry"]>, readonly unknown[]>;

/** Where a parallel branch belongs. */
interface GroupWiring {
  name: string;
  failFast: boolean;
  branches: string[];
}

/** Where the outcomes of one step's (or compensation's) attempts lead. */
interface Wiring {
  /** Guarded transitions taken when an attempt succeeds, with the steps each one starts. */
  onSuccess: { guard?: "cancelled"; target: string; begin?: string[] }[];
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

/**
 * How a machine starts: a run (`run`), or the undo of a completed child run (`undo`), which starts
 * in `compensating` from the child's final context and undoes its completed steps, newest first.
 */
export type MachineMode = "run" | "undo";

/** The state a wait or sleep waits in: readable in the state value (`steps.payment-confirmed.waiting`). */
export const pauseStateOf = (pause: Pause) => (pause.type === "signal" ? "waiting" : "sleeping");

/** What a state invokes. */
type InvokeConfig = NonNullable<StateConfig["invoke"]>;
/** The parts of an invoke of a child flow's machine that are checked here: the rest is checked by XState at run time. */
interface ChildInvoke {
  id: string;
  src: `child:${string}` | `undo:${string}`;
  input: (args: { context: FlowContext }) => unknown;
  onDone: unknown;
  onError: unknown;
}

/**
 * An invoke of a `.child()` step's machine (or its undo). Its `src` is a key made per flow
 * (`child:<step>`), which the types of `setup()` cannot list, so this one config is not checked
 * against them; the machines are registered under exactly these keys (`machine.ts`).
 */
function childInvoke(config: ChildInvoke): InvokeConfig {
  return config as unknown as InvokeConfig;
}

/** The machine config of a flow; `hooks` says which hook actions are worth including. */
export function flowConfig(definition: FlowDefinition, hash: string, hooks: HookDispatcher, mode: MachineMode = "run"): FlowMachineConfig {
  const flow = definition.name;
  const root = `#${flow}`;
  const hook = (name: HookName, target?: Target): Actions =>
    hooks.has(name) ? [{ type: "emitHook", params: target ? { hook: name, target } : { hook: name } }] : [];

  const beginAttempt = (params: Begin) => ({ type: "beginAttempt", params }) as const;
  /** Where the flow goes after a node, and the steps that entering it starts. */
  const nextNode = (node: FlowDefinition["nodes"][number] | undefined): NextNode =>
    node === undefined
      ? { path: `${root}.completed`, begins: [] }
      : {
          path: `${root}.steps.${node.name}`,
          // A wait or sleep begins in its own entry action (it computes its deadline); a step's first attempt begins on the way in.
          begins: node.kind === "step" ? (node.pause ? [] : [node.name]) : node.branches.map((branch) => branch.name),
        };

  /** Fail-fast: mark the group aborted, abort its branches in flight, and tell those waiting to retry. */
  const abortGroup = (params: GroupAbort): Actions =>
    (["markGroupAborted", "abortBranches", "announceGroupAbort"] as const).map((type) => ({ type, params }));

  /**
   * `running` + `retrying` for one step or compensation. `wiring` says where each outcome goes.
   * A step being interrupted (cancel, or fail-fast of its group) has its signal aborted but is
   * waited for: if its work completed anyway it is recorded, and so compensated, rather than lost.
   */
  const attemptStates = (target: Target, wiring: Wiring): States => {
    const isStep = target.kind === "step";
    const id = isStep ? target.step : `${target.step}:compensate`;
    const interrupt = { target: wiring.onInterrupted, actions: [{ type: "markInterrupted", params: target }] } as const;
    const completion = (begin: string[]): Actions => [
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
          input: ({ context }) => attemptInput(context, target),
          onDone: wiring.onSuccess.map(({ begin = [], ...transition }) => ({ ...transition, actions: completion(begin) })),
          onError: [
            ...(isStep ? [{ guard: { type: "interrupted", params: { group: wiring.group?.name ?? null } }, ...interrupt } as const] : []),
            {
              guard: { type: "canRetry", params: target },
              target: "retrying",
              actions: [{ type: "scheduleRetry", params: target }, ...(isStep ? hook("onStepRetry", target) : [])],
            },
            {
              target: wiring.onGiveUp,
              actions: [
                { type: "giveUp", params: target },
                ...(isStep ? [{ type: "rememberFailure" } as const] : []),
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
          input: ({ context }) => ({ until: recordOf(context, target).retryAt ?? 0 }),
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

  const stepNode = (step: StepDefinition, next: NextNode, group: GroupWiring | undefined): StateConfig => {
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

  /** Leaving a step because the run was cancelled: the step is marked cancelled and the flow compensates. */
  const cancelFrom = (target: Target) =>
    ({ CANCEL: { target: `${root}.compensating`, actions: [{ type: "cancel" }, { type: "markInterrupted", params: target }] } }) as const;

  /**
   * A wait (for a signal) or a sleep: one state, entered with its deadline stored. A wait takes a
   * signal kept before it was reached as soon as it is entered, or the first one that comes; its
   * deadline (if any) times it out. A sleep ends at its deadline.
   */
  const pauseNode = (step: StepDefinition, pause: Pause, next: NextNode): StateConfig => {
    const target: Target = { kind: "step", step: step.name };
    const end = (params: PauseEnd) => ({ type: "endPause", params }) as const;
    const ends = { step: step.name, begin: next.begins };
    const timedOut =
      pause.type === "sleep" || pause.onTimeout === "continue"
        ? [{ target: next.path, actions: [end({ ...ends, signal: "none" })] }]
        : [{ target: `${root}.compensating`, actions: [{ type: "timeOut" as const, params: target }, ...hook("onStepFail", target)] }];
    const deadline =
      pause.type === "sleep" || pause.timeoutMs !== undefined
        ? {
            invoke: {
              id: `${step.name}:deadline`,
              src: "deadline" as const,
              input: ({ context }: { context: FlowContext }) => ({ until: context.steps[step.name]?.until ?? 0 }),
              onDone: timedOut,
            },
          }
        : {};
    const description =
      pause.type === "signal"
        ? `Waits for the signal "${step.name}"${pause.timeoutMs === undefined ? "" : `; times out after ${pause.timeoutMs} ms${pause.onTimeout === "continue" ? " and goes on" : ""}`}`
        : `Sleeps until its deadline`;
    const waiting: StateConfig =
      pause.type === "signal"
        ? {
            entry: [{ type: "beginPause", params: { step: step.name } }],
            always: { guard: { type: "signalKept", params: { step: step.name } }, target: next.path, actions: [end({ ...ends, signal: "kept" })] },
            on: {
              SIGNAL: { guard: { type: "signalFor", params: { step: step.name } }, target: next.path, actions: [end({ ...ends, signal: "event" })] },
              ...cancelFrom(target),
            },
            ...deadline,
          }
        : { entry: [{ type: "beginPause", params: { step: step.name } }], on: cancelFrom(target), ...deadline };
    return { description, initial: pauseStateOf(pause), states: { [pauseStateOf(pause)]: waiting } };
  };

  /**
   * A child flow, invoked as a child actor (persisted inside this run's snapshot). It compensates
   * itself when it fails or is cancelled; a completed child's outputs are the step's output.
   */
  const childNode = (step: StepDefinition, next: NextNode): StateConfig => {
    const target: Target = { kind: "step", step: step.name };
    return {
      description: `Runs the flow "${step.child?.flow.name}" as a child run`,
      initial: "running",
      states: {
        running: {
          ...(hooks.has("onStepStart") ? { entry: hook("onStepStart", target) } : {}),
          invoke: childInvoke({
            id: step.name,
            src: `child:${step.name}`,
            input: ({ context }) => childInputOf(context, step),
            onDone: [
              // Completed as the run was cancelled: recorded (so it is undone) and the run compensates.
              { guard: { type: "childCompleted", params: { cancelled: true } }, target: `${root}.compensating`, actions: [{ type: "completeChild", params: { target, begin: [] } }] },
              { guard: { type: "childCompleted", params: { cancelled: false } }, target: next.path, actions: [{ type: "completeChild", params: { target, begin: next.begins } }, ...hook("onStepComplete", target)] },
              { guard: "cancelled", target: `${root}.compensating`, actions: [{ type: "markInterrupted", params: target }] },
              { target: `${root}.compensating`, actions: [{ type: "childFailed", params: target }, ...hook("onStepFail", target)] },
            ],
            onError: { target: `${root}.compensating`, actions: [{ type: "giveUp", params: target }, { type: "rememberFailure" }, ...hook("onStepFail", target)] },
          }),
        },
      },
    };
  };

  const stepStates: States = {};
  definition.nodes.forEach((node, index) => {
    const next = nextNode(definition.nodes[index + 1]);
    if (node.kind === "step") {
      stepStates[node.name] = node.pause ? pauseNode(node, node.pause, next) : node.child ? childNode(node, next) : stepNode(node, next, undefined);
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

  /** The undo of a completed child run: the child's own compensations, newest first, as one invoked machine. */
  const undoChildStates = (step: StepDefinition, next: string): States => {
    const target: Target = { kind: "compensation", step: step.name };
    const entry = hook("onCompensate", target);
    return {
      running: {
        ...(entry.length > 0 ? { entry } : {}),
        invoke: childInvoke({
          id: `${step.name}:undo`,
          src: `undo:${step.name}`,
          input: ({ context }: { context: FlowContext }) => undoInputOf(context, step),
          onDone: { target: next, actions: [{ type: "endUndo", params: target }, ...hook("onCompensateComplete", target)] },
          onError: { target: next, actions: [{ type: "giveUp", params: target }, ...hook("onCompensateComplete", target)] },
        }),
      },
    };
  };

  const undoOrder = compensationOrder(definition.nodes);
  const compensationStates: States = {};
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
        ...(step.child ? undoChildStates(step, next) : attemptStates(target, { onSuccess: [{ target: next }], onGiveUp: next, onInterrupted: next })),
      },
    };
  });

  // An undo is not a run of its own: the flow's hooks hear of its compensations, not of a start or an end.
  const flowHook = (name: HookName): Actions => (mode === "undo" ? [] : hook(name));
  const finalState = (status: FlowStatus): StateConfig => ({
    type: "final",
    entry: [{ type: "finish", params: { status } }, ...flowHook(status === "completed" ? "onFlowComplete" : "onFlowFail")],
  });

  const firstNode = definition.nodes[0];
  const hasWaits = definition.nodes.some((node) => node.kind === "step" && node.pause?.type === "signal");
  return {
    id: flow,
    context: ({ input, self }) => createInitialContext(definition, hash, input, self),
    initial: mode === "undo" ? "compensating" : firstNode ? "steps" : "completed",
    entry: flowHook("onFlowStart"),
    states: {
      ...(firstNode
        ? {
            steps: {
              initial: firstNode.name,
              entry: [beginAttempt({ kind: "step", steps: nextNode(firstNode).begins })],
              states: stepStates,
              // Cancelling aborts in-flight attempts and waits for them to settle (see attemptStates).
              // A signal for a wait not reached yet is kept until the run gets there (flows with waits only).
              on: {
                CANCEL: { actions: [{ type: "cancel" }, { type: "abortInFlight" }] },
                ...(hasWaits ? { SIGNAL: { actions: [{ type: "keepSignal" as const }] } } : {}),
              },
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
    output: ({ context }) => buildResult(context, definition, (_, error) => error),
  };
}
