import { assign, createActor, fromPromise, setup, toPromise } from "xstate";
import type { BenchStep } from "./steps.js";

/** Per-step bookkeeping the hand-written machine keeps in context, as a real saga needs. */
export interface HandStepRecord {
  status: "pending" | "running" | "retrying" | "completed" | "failed";
  attempts: number;
  startedAt: number | null;
  endedAt: number | null;
  retryAt: number | null;
  error: string | null;
}

/** The hand-written machine's context. */
export interface HandContext {
  input: unknown;
  outputs: Record<string, unknown>;
  steps: HandStepRecord[];
  status: "running" | "completed" | "failed";
  startedAt: number;
  endedAt: number | null;
  error: string | null;
}

/** What a run of the hand-written machine resolves with. */
export interface HandOutput {
  /** How the run ended. */
  status: HandContext["status"];
  /** Outputs of the completed steps, by step name. */
  outputs: Record<string, unknown>;
  /** Per-step bookkeeping, in step order. */
  steps: HandStepRecord[];
}

/** Retry policy of every step of the hand-written machine (Orchestrix's defaults: no retry, no delay). */
export interface HandRetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** Fixed delay before a retry, in ms. */
  retryDelayMs: number;
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

/** A record for a step that has not run yet. */
export const pendingHandRecord = (): HandStepRecord => ({
  status: "pending",
  attempts: 0,
  startedAt: null,
  endedAt: null,
  retryAt: null,
  error: null,
});

/** Copies `steps` with the record at `index` changed. */
export function patch(steps: readonly HandStepRecord[], index: number, change: (current: HandStepRecord) => Partial<HandStepRecord>) {
  const next = steps.slice();
  const current = next[index] ?? pendingHandRecord();
  next[index] = { ...current, ...change(current) };
  return next;
}

/** An error's message, for the hand-written contexts. */
export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Hand-writes the XState v5 machine a developer would write for these steps without Orchestrix:
 * one compound state per step (`running` invokes the step with an explicit id, `retrying` invokes a
 * sleep until an absolute deadline), a `compensating` state and final states, with assign actions
 * that record each step's status, attempts and timestamps in context.
 */
export function createHandWrittenMachine(steps: readonly BenchStep[], policy: HandRetryPolicy = { retries: 0, retryDelayMs: 0 }) {
  const machineSetup = setup({
    types: {
      context: {} as HandContext,
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
      finish: assign((_, { status }: { status: HandContext["status"] }) => ({ status, endedAt: Date.now() })),
    },
    guards: {
      canRetry: ({ context }, { index }: StepParams) => (context.steps[index]?.attempts ?? 0) <= policy.retries,
    },
  });

  const root = "#saga";
  const stepStates = Object.fromEntries(
    steps.map((step, index) => {
      const params: StepParams = { index };
      const next = steps[index + 1];
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
                onDone: {
                  target: next ? `${root}.${next.name}` : `${root}.completed`,
                  actions: { type: "completeAttempt" as const, params },
                },
                onError: [
                  {
                    guard: { type: "canRetry" as const, params },
                    target: "retrying",
                    actions: { type: "scheduleRetry" as const, params },
                  },
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
            },
          },
        },
      ];
    }),
  );

  const first = steps[0];
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
    }),
    initial: first ? first.name : "completed",
    states: {
      ...stepStates,
      compensating: {
        invoke: {
          id: "compensate",
          src: "compensate",
          input: ({ context }) => ({
            completed: context.steps.flatMap((record, index) => (record.status === "completed" ? [index] : [])),
          }),
          onDone: { target: "failed" },
          onError: { target: "failed" },
        },
      },
      completed: { type: "final", entry: { type: "finish", params: { status: "completed" } } },
      failed: { type: "final", entry: { type: "finish", params: { status: "failed" } } },
    },
    output: ({ context }) => ({ status: context.status, outputs: context.outputs, steps: context.steps }),
  });
}

/** The hand-written machine's type. */
export type HandWrittenMachine = ReturnType<typeof createHandWrittenMachine>;

/** Runs the machine once: `createActor`, start, and wait for its final state's output. */
export function runHandWritten(machine: HandWrittenMachine, input: unknown): Promise<HandOutput> {
  const actor = createActor(machine, { input });
  const done = toPromise(actor);
  actor.start();
  return done;
}
