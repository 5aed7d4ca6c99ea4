import { assign, createActor, fromPromise, setup, toPromise } from "xstate";
import type { BenchStep } from "./steps.js";

/** Per-step bookkeeping the hand-written machines keep in context, as a real saga needs. */
export interface HandStepRecord {
  status: "pending" | "running" | "retrying" | "completed" | "failed";
  attempts: number;
  startedAt: number | null;
  endedAt: number | null;
  retryAt: number | null;
  error: string | null;
}

/** How a run of a hand-written machine ends. */
export type HandStatus = "running" | "completed" | "failed" | "cancelled" | "compensation_failed";

/** The hand-written machines' context. */
export interface HandContext {
  input: unknown;
  outputs: Record<string, unknown>;
  steps: HandStepRecord[];
  status: HandStatus;
  startedAt: number;
  endedAt: number | null;
  error: string | null;
  /** Set by `CANCEL` (the same-shape machine only). */
  cancelled: boolean;
}

/** What a run of a hand-written machine resolves with. */
export interface HandOutput {
  /** How the run ended. */
  status: HandStatus;
  /** Outputs of the completed steps, by step name. */
  outputs: Record<string, unknown>;
  /** Per-step bookkeeping, in step order. */
  steps: HandStepRecord[];
}

/** Retry policy of every step of the hand-written machines (Orchestrix's defaults: no retry, no delay). */
export interface HandRetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** Fixed delay before a retry, in ms. */
  retryDelayMs: number;
}

/**
 * Which machine to write by hand:
 * - `"same-shape"`: the shape DESIGN §2 gives every Orchestrix flow — a `steps` state with a
 *   `CANCEL` handler around the steps (a step finishing after a cancel leads to `compensating`),
 *   a `compensating` branch, and the four final states `completed`, `failed`, `cancelled` and
 *   `compensation_failed`. The benchmarked steps have nothing to undo, so, as in the machine
 *   Orchestrix generates for them, `compensating` holds only its final `done` state.
 * - `"flat"`: the steps at the top level, a `compensating` state that invokes one compensation
 *   promise, and the final states `completed` and `failed`; no cancel.
 */
export type HandShape = "same-shape" | "flat";

interface StepParams {
  index: number;
}

interface AttemptInput {
  index: number;
  attempt: number;
  input: unknown;
  outputs: Record<string, unknown>;
}

const pending = (): HandStepRecord => ({
  status: "pending",
  attempts: 0,
  startedAt: null,
  endedAt: null,
  retryAt: null,
  error: null,
});

/** Copies `steps` with the record at `index` changed. */
function patch(steps: readonly HandStepRecord[], index: number, change: (current: HandStepRecord) => Partial<HandStepRecord>) {
  const next = steps.slice();
  const current = next[index] ?? pending();
  next[index] = { ...current, ...change(current) };
  return next;
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Hand-writes the XState v5 machine a developer would write for these steps without Orchestrix,
 * in the given shape. Each step is a compound state: `running` records the attempt in an entry
 * `assign` and invokes the step with an explicit id; `onDone` records the output, `onError`
 * either waits in `retrying` (an invoked sleep until an absolute deadline kept in context) or
 * gives up. The context is an array of per-step records, updated immutably.
 */
export function createHandWrittenMachine(
  steps: readonly BenchStep[],
  shape: HandShape = "flat",
  policy: HandRetryPolicy = { retries: 0, retryDelayMs: 0 },
) {
  const machineSetup = setup({
    types: {
      context: {} as HandContext,
      events: {} as { type: "CANCEL" },
      input: {} as unknown,
      output: {} as HandOutput,
    },
    actors: {
      attempt: fromPromise<unknown, AttemptInput>(({ input }) => {
        const step = steps[input.index];
        if (!step) throw new Error(`No step at index ${input.index}`);
        return step.run({ input: input.input, outputs: input.outputs, attempt: input.attempt });
      }),
      sleep: fromPromise<void, { until: number }>(
        ({ input }) => new Promise((resolve) => setTimeout(resolve, Math.max(0, input.until - Date.now()))),
      ),
      // Undoes the completed steps newest first; the benchmarked steps have no undo, and the happy path never gets here.
      compensate: fromPromise<void, { completed: number[] }>(async () => undefined),
    },
    actions: {
      beginAttempt: assign(({ context }, { index }: StepParams) => ({
        steps: patch(context.steps, index, (current) => ({
          status: "running",
          attempts: current.attempts + 1,
          startedAt: current.startedAt ?? Date.now(),
          retryAt: null,
        })),
      })),
      completeAttempt: assign(({ context, event }, { index }: StepParams) => ({
        steps: patch(context.steps, index, () => ({ status: "completed", endedAt: Date.now(), error: null })),
        outputs: { ...context.outputs, [steps[index]?.name ?? String(index)]: (event as { output?: unknown }).output },
      })),
      scheduleRetry: assign(({ context, event }, { index }: StepParams) => ({
        steps: patch(context.steps, index, () => ({
          status: "retrying",
          retryAt: Date.now() + policy.retryDelayMs,
          error: errorMessage((event as { error?: unknown }).error),
        })),
      })),
      giveUp: assign(({ context, event }, { index }: StepParams) => {
        const error = errorMessage((event as { error?: unknown }).error);
        return { steps: patch(context.steps, index, () => ({ status: "failed", endedAt: Date.now(), error })), error };
      }),
      cancel: assign({ cancelled: true }),
      finish: assign((_, { status }: { status: HandStatus }) => ({ status, endedAt: Date.now() })),
    },
    guards: {
      canRetry: ({ context }, { index }: StepParams) => (context.steps[index]?.attempts ?? 0) <= policy.retries,
      cancelled: ({ context }) => context.cancelled,
    },
  });

  const sameShape = shape === "same-shape";
  const root = "#saga";
  const stepPath = (name: string) => (sameShape ? `${root}.steps.${name}` : `${root}.${name}`);
  const stepStates = Object.fromEntries(
    steps.map((step, index) => {
      const params: StepParams = { index };
      const next = steps[index + 1];
      const complete = { type: "completeAttempt" as const, params };
      const onward = { target: next ? stepPath(next.name) : `${root}.completed`, actions: complete };
      return [
        step.name,
        {
          initial: "running" as const,
          states: {
            running: {
              entry: { type: "beginAttempt" as const, params },
              invoke: {
                id: step.name,
                src: "attempt" as const,
                input: ({ context }: { context: HandContext }): AttemptInput => ({
                  index,
                  attempt: context.steps[index]?.attempts ?? 1,
                  input: context.input,
                  outputs: context.outputs,
                }),
                onDone: sameShape ? [{ guard: "cancelled" as const, target: `${root}.compensating`, actions: complete }, onward] : onward,
                onError: [
                  { guard: { type: "canRetry" as const, params }, target: "retrying", actions: { type: "scheduleRetry" as const, params } },
                  { target: `${root}.compensating`, actions: { type: "giveUp" as const, params } },
                ],
              },
            },
            retrying: {
              invoke: {
                id: `${step.name}:retry-wait`,
                src: "sleep" as const,
                input: ({ context }: { context: HandContext }) => ({ until: context.steps[index]?.retryAt ?? 0 }),
                onDone: { target: "running" },
              },
              ...(sameShape ? { on: { CANCEL: { target: `${root}.compensating`, actions: { type: "cancel" as const } } } } : {}),
            },
          },
        },
      ];
    }),
  );

  const first = steps[0];
  const final = (status: HandStatus) => ({ type: "final" as const, entry: { type: "finish" as const, params: { status } } });
  const sameShapeStates = {
    steps: {
      initial: first?.name ?? "",
      states: stepStates,
      // Cancelling lets the running step settle; its onDone then leads to compensating.
      on: { CANCEL: { actions: { type: "cancel" as const } } },
    },
    compensating: {
      initial: "done",
      states: { done: { type: "final" as const } },
      onDone: [{ guard: "cancelled" as const, target: "cancelled" }, { target: "failed" }],
    },
    completed: final("completed"),
    failed: final("failed"),
    cancelled: final("cancelled"),
    compensation_failed: final("compensation_failed"),
  };
  const flatStates = {
    ...stepStates,
    compensating: {
      invoke: {
        id: "compensate",
        src: "compensate" as const,
        input: ({ context }: { context: HandContext }) => ({
          completed: context.steps.flatMap((record, index) => (record.status === "completed" ? [index] : [])),
        }),
        onDone: { target: "failed" },
        onError: { target: "failed" },
      },
    },
    completed: final("completed"),
    failed: final("failed"),
  };
  return machineSetup.createMachine({
    id: "saga",
    context: ({ input }) => ({
      input,
      outputs: {},
      steps: steps.map(pending),
      status: "running",
      startedAt: Date.now(),
      endedAt: null,
      error: null,
      cancelled: false,
    }),
    initial: !first ? "completed" : sameShape ? "steps" : first.name,
    // The two state trees differ in shape, so their literal types cannot both satisfy one config type.
    states: (sameShape ? sameShapeStates : flatStates) as typeof flatStates,
    output: ({ context }) => ({ status: context.status, outputs: context.outputs, steps: context.steps }),
  });
}

/** The hand-written machines' type. */
export type HandWrittenMachine = ReturnType<typeof createHandWrittenMachine>;

/** Runs the machine once: `createActor`, start, and wait for its final state's output. */
export function runHandWritten(machine: HandWrittenMachine, input: unknown): Promise<HandOutput> {
  const actor = createActor(machine, { input });
  const done = toPromise(actor);
  actor.start();
  return done;
}
