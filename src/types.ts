import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { InspectionEvent, Observer } from "xstate";
import type { Json } from "./json.js";

/** What a step function receives: the run's input, earlier outputs and a small shared key–value store. */
export interface StepContext<TInput = unknown, TOutputs = Record<string, unknown>> {
  /** The flow's validated input. */
  readonly input: TInput;
  /** Results of the steps that completed before this one, by step name. */
  readonly outputs: Readonly<TOutputs>;
  /** Reads a value stored with `set` (by this attempt or an earlier step); `undefined` when absent — check with `has`. */
  get<T = unknown>(key: string): T;
  /** Stores a JSON value for later steps; visible to them once this step completes. Throws on non-JSON values. */
  set(key: string, value: unknown): void;
  /** Whether `key` holds a value. */
  has(key: string): boolean;
  /** This attempt's number, starting at 1. */
  readonly attempt: number;
  /** The step's name. */
  readonly stepName: string;
  /** The run's id. */
  readonly runId: string;
  /** `${runId}:${stepName}`: stable across retries and restarts; hand it to payment gateways. */
  readonly idempotencyKey: string;
  /** Aborted on timeout, cancellation, fail-fast of a sibling branch, or when the run stops. */
  readonly signal: AbortSignal;
}

/** What a compensation receives: the step context plus why the flow is being undone. */
export interface CompensationContext<TInput = unknown, TOutputs = Record<string, unknown>>
  extends StepContext<TInput, TOutputs> {
  /** What failed the flow (the cancellation error when it was cancelled). */
  readonly error: unknown;
}

/** Fields every hook event carries. */
export interface FlowEventBase {
  /** The flow's name. */
  flow: string;
  /** The run's id. */
  runId: string;
}

/** A run started. */
export interface FlowStartEvent extends FlowEventBase {
  input: unknown;
}
/** A stored run was restored and continues in this process (`flow.resume()`, `resumeAll()`, a takeover in `run()`). */
export interface FlowResumeEvent extends FlowEventBase {
  /** The step (or `undo <step>`) it continues at; `null` between steps. */
  step: string | null;
  /** The attempt of that step that runs (again) now. */
  attempt: number;
  /** How long the run was not live: from its last save to this restore. Step durations leave it out. */
  downtimeMs: number;
}
/** A run completed: every step succeeded. */
export interface FlowCompleteEvent extends FlowEventBase {
  durationMs: number;
  outputs: Record<string, unknown>;
}
/** A run ended without completing. */
export interface FlowFailEvent extends FlowEventBase {
  status: Exclude<FlowStatus, "completed">;
  durationMs: number;
  error: unknown;
}
/** An attempt of a step started. */
export interface StepStartEvent extends FlowEventBase {
  step: string;
  attempt: number;
}
/** A step completed. */
export interface StepCompleteEvent extends FlowEventBase {
  step: string;
  attempt: number;
  /** Duration of the successful attempt. */
  durationMs: number;
  output: unknown;
}
/** A step failed for good (no retry left, or not retryable). */
export interface StepFailEvent extends FlowEventBase {
  step: string;
  attempt: number;
  durationMs: number;
  error: unknown;
}
/** An attempt failed and another one is scheduled. */
export interface StepRetryEvent extends FlowEventBase {
  step: string;
  /** The attempt that failed. */
  attempt: number;
  error: unknown;
  /** How long until the next attempt. */
  delayMs: number;
}
/** A compensation attempt started. */
export interface CompensateEvent extends FlowEventBase {
  step: string;
  attempt: number;
}
/** A compensation ended, successfully or for good. */
export interface CompensateCompleteEvent extends FlowEventBase {
  step: string;
  attempt: number;
  status: "completed" | "failed";
  durationMs: number;
  error?: unknown;
}

/** Lifecycle callbacks. A hook that throws (or rejects) is reported on the console and never breaks the run. */
export interface FlowHooks {
  onFlowStart?: (event: FlowStartEvent) => unknown;
  onFlowResume?: (event: FlowResumeEvent) => unknown;
  onFlowComplete?: (event: FlowCompleteEvent) => unknown;
  onFlowFail?: (event: FlowFailEvent) => unknown;
  onStepStart?: (event: StepStartEvent) => unknown;
  onStepComplete?: (event: StepCompleteEvent) => unknown;
  onStepFail?: (event: StepFailEvent) => unknown;
  onStepRetry?: (event: StepRetryEvent) => unknown;
  onCompensate?: (event: CompensateEvent) => unknown;
  onCompensateComplete?: (event: CompensateCompleteEvent) => unknown;
}

/** The name of one of the {@link FlowHooks}. */
export type HookName = keyof FlowHooks;

/** Hooks bundled under a name (the name appears when one of them throws). */
export interface FlowPlugin extends FlowHooks {
  name: string;
}

/** Options of the built-in progress log. */
export interface LoggingOptions {
  /** `false` turns the log off (as `logging: false` does). @default true */
  enabled?: boolean;
  /** Where lines go. @default console.log */
  write?: (line: string) => void;
}

/** Second argument of `create()`. */
export interface FlowConfig<TInput> {
  /** Any Standard Schema v1 validator (zod 4, valibot, arktype…) for the input. */
  schema?: StandardSchemaV1<unknown, TInput>;
  /** A label for this definition, stored with snapshots. */
  version?: string;
  /** Lifecycle hooks. */
  hooks?: FlowHooks;
  /** Named bundles of hooks. */
  plugins?: readonly FlowPlugin[];
  /** Print a readable line per step event. Also switched on by the environment variable `ORCHESTRIX_LOG=1`. @default false */
  logging?: boolean | LoggingOptions;
}

/** How a run ended. */
export type FlowStatus = "completed" | "failed" | "cancelled" | "compensation_failed";

/** How one step ended. */
export type StepStatus = "completed" | "failed" | "compensated" | "compensation_failed" | "skipped" | "cancelled";

/** One step's outcome. */
export interface StepResult {
  name: string;
  status: StepStatus;
  /** Attempts made (0 when the step never ran). */
  attempts: number;
  /** From the first attempt's start to the step's end, retry waits included. */
  durationMs: number;
  /** The last attempt's error, when it failed. */
  error?: unknown;
}

/** A compensation that failed after its own retries. */
export interface CompensationFailure {
  step: string;
  error: unknown;
}

interface FlowResultBase {
  name: string;
  runId: string;
  durationMs: number;
  /** The values stored with `ctx.set`. */
  data: Record<string, Json>;
  /** One per step, in definition order (parallel branches in place of their group). */
  steps: StepResult[];
  /** `true` when the result was served from the store for a run id that had already finished (nothing ran). */
  cached?: true;
}

/** A run in which every step succeeded. */
export interface CompletedFlowResult<TOutputs> extends FlowResultBase {
  status: "completed";
  outputs: TOutputs;
}

/** A run that failed, was cancelled, or could not be fully undone. */
export interface UnfinishedFlowResult<TOutputs> extends FlowResultBase {
  status: Exclude<FlowStatus, "completed">;
  outputs: Partial<TOutputs>;
  /** What failed the flow: the original Error object when it failed in this process. */
  error: unknown;
  /** Present when status is `compensation_failed`. */
  compensationErrors?: CompensationFailure[];
}

/** The outcome of a run: a union on `status`. */
export type FlowResult<TOutputs = Record<string, unknown>> = CompletedFlowResult<TOutputs> | UnfinishedFlowResult<TOutputs>;

/** Options of `flow.run()` and `flow.start()`. */
export interface RunOptions {
  /** The run's id. @default a random UUID */
  runId?: string;
  /** Aborting it cancels the run: in-flight work is aborted and completed steps are compensated. */
  signal?: AbortSignal;
  /** Passed to XState: `createBrowserInspector().inspect`, `createWebSocketInspector().inspect`, or any observer. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}
