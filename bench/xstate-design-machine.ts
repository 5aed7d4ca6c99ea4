import { assign, createActor, fromPromise, setup, toPromise } from "xstate";
import type { BenchStep } from "./steps.js";
import { errorMessage, patch, pendingHandRecord, type HandRetryPolicy, type HandStepRecord } from "./xstate-machine.js";

/** The design-shaped machine's context: the flat machine's, plus the cancel flag a cancellable saga needs. */
export interface DesignContext {
  input: unknown;
  outputs: Record<string, unknown>;
  steps: HandStepRecord[];
  status: "running" | "completed" | "failed" | "cancelled" | "compensation_failed";
  startedAt: number;
  endedAt: number | null;
  error: string | null;
  cancelled: boolean;
}

/** What a run of the design-shaped machine resolves with. */
export interface DesignOutput {
  /** How the run ended. */
  status: DesignContext["status"];
  /** Outputs of the completed steps, by step name. */
  outputs: Record<string, unknown>;
  /** Per-step bookkeeping, in step order. */
  steps: HandStepRecord[];
}

interface StepParams {
  index: number;
}

interface AttemptInput {
  index: number;
  attempt: number;
  input: unknown;
  outputs: Record<string, unknown>;
}

/**
 * Hand-writes, without Orchestrix, a machine of the shape DESIGN §2 gives every flow — the
 * "hand-written XState machine of the same shape" the issue measures against:
 * - a `steps` state holding one compound state per step (`running` invokes the step with an
 *   explicit id, `retrying` invokes a sleep until an absolute deadline kept in context), and a
 *   `CANCEL` handler; a step finishing after a cancel leads to `compensating`;
 * - a `compensating` branch. The benchmarked steps have nothing to undo, so, as in the machine
 *   Orchestrix generates for them, it holds only its final `done` state;
 * - the four final states `completed`, `failed`, `cancelled` and `compensation_failed`.
 *
 * Its context is a hand-written one: an array of per-step records without attempt history.
 */
export function createDesignShapedMachine(steps: readonly BenchStep[], policy: HandRetryPolicy = { retries: 0, retryDelayMs: 0 }) {
  const machineSetup = setup({
    types: {
      context: {} as DesignContext,
      events: {} as { type: "CANCEL" },
      input: {} as unknown,
      output: {} as DesignOutput,
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
      finish: assign((_, { status }: { status: DesignContext["status"] }) => ({ status, endedAt: Date.now() })),
    },
    guards: {
      canRetry: ({ context }, { index }: StepParams) => (context.steps[index]?.attempts ?? 0) <= policy.retries,
      cancelled: ({ context }) => context.cancelled,
    },
  });

  const root = "#saga";
  const stepStates = Object.fromEntries(
    steps.map((step, index) => {
      const params: StepParams = { index };
      const next = steps[index + 1];
      const complete = { type: "completeAttempt" as const, params };
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
                input: ({ context }: { context: DesignContext }): AttemptInput => ({
                  index,
                  attempt: context.steps[index]?.attempts ?? 1,
                  input: context.input,
                  outputs: context.outputs,
                }),
                onDone: [
                  { guard: "cancelled" as const, target: `${root}.compensating`, actions: complete },
                  { target: next ? `${root}.steps.${next.name}` : `${root}.completed`, actions: complete },
                ],
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
                input: ({ context }: { context: DesignContext }) => ({ until: context.steps[index]?.retryAt ?? 0 }),
                onDone: { target: "running" },
              },
              on: { CANCEL: { target: `${root}.compensating`, actions: { type: "cancel" as const } } },
            },
          },
        },
      ];
    }),
  );

  const first = steps[0];
  const final = (status: DesignContext["status"]) => ({ type: "final" as const, entry: { type: "finish" as const, params: { status } } });
  return machineSetup.createMachine({
    id: "saga",
    context: ({ input }) => ({
      input,
      outputs: {},
      steps: steps.map(pendingHandRecord),
      status: "running",
      startedAt: Date.now(),
      endedAt: null,
      error: null,
      cancelled: false,
    }),
    initial: first ? "steps" : "completed",
    states: {
      steps: {
        initial: first?.name ?? "",
        states: stepStates,
        // Cancelling lets the running step settle; its onDone then leads to compensating.
        on: { CANCEL: { actions: { type: "cancel" } } },
      },
      compensating: {
        initial: "done",
        states: { done: { type: "final" } },
        onDone: [{ guard: "cancelled", target: "cancelled" }, { target: "failed" }],
      },
      completed: final("completed"),
      failed: final("failed"),
      cancelled: final("cancelled"),
      compensation_failed: final("compensation_failed"),
    },
    output: ({ context }) => ({ status: context.status, outputs: context.outputs, steps: context.steps }),
  });
}

/** The design-shaped machine's type. */
export type DesignShapedMachine = ReturnType<typeof createDesignShapedMachine>;

/** Runs the machine once: `createActor`, start, and wait for its final state's output. */
export function runDesignShaped(machine: DesignShapedMachine, input: unknown): Promise<DesignOutput> {
  const actor = createActor(machine, { input });
  const done = toPromise(actor);
  actor.start();
  return done;
}
