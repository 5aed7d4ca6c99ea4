import { flattenSteps, type FlowDefinition } from "../definition.js";
import type { ErrorRecord } from "../error-record.js";
import type { Json } from "../json.js";
import type { FlowResult, FlowStatus } from "../types.js";
import type { FlowContext, StepRecord } from "./context.js";

/** Where one step of a run stands, as a person reads it: its own record and its undo's, in one word. */
export type StepViewStatus =
  | "pending"
  | "running"
  | "retrying"
  | "waiting"
  | "completed"
  | "failed"
  | "compensating"
  | "compensated"
  | "compensation_failed"
  | "skipped"
  | "cancelled";

/** One step of a run's view. */
export interface StepView {
  name: string;
  status: StepViewStatus;
  /** Attempts of the step so far (of its undo while compensating). */
  attempts: number;
  /** The most attempts the step (its undo while compensating) may make; known only when the flow is given. */
  maxAttempts?: number;
  /** The parallel group the step is a branch of. */
  group?: string;
  /** Why the last attempt failed. */
  error?: ErrorRecord;
  /** While `waiting`: the deadline (epoch ms) of the wait's timeout or the sleep's end; `null` for a wait without a timeout. */
  until?: number | null;
}

/** What a run looks like at one moment: the same shape in React, over HTTP, and in Server-Sent Events. */
export interface RunView {
  runId: string | null;
  flow: string | null;
  /** `"idle"` before the run starts, `"running"` while it goes, then how it ended. */
  status: "idle" | "running" | FlowStatus;
  /** One entry per step, in definition order (parallel branches in place of their group). */
  steps: StepView[];
  /** The steps running, waiting to retry or waiting for a signal or a deadline, and the undos in progress. */
  currentSteps: string[];
  outputs: Record<string, Json>;
  /** What failed the flow. */
  error: ErrorRecord | null;
  /** The result once the run has ended (errors as records). */
  result: FlowResult | null;
}

/** The part of a snapshot a view is built from: a live actor snapshot or a stored one read with `readFlowSnapshot`. */
export interface ViewableSnapshot {
  context: FlowContext;
  output?: unknown;
}

/** The part of a flow a view uses to list steps that have no record yet and to know each step's attempt budget. */
export interface ViewableFlow {
  readonly name: string;
  readonly definition: Pick<FlowDefinition, "nodes">;
}

/**
 * Builds the view of a run from its snapshot: a pure function, framework-free, used by
 * `orchestrix/react` and `orchestrix/http` alike. Pass the flow to get each step's `maxAttempts`.
 */
export function runView(snapshot: ViewableSnapshot, flow?: ViewableFlow): RunView {
  const { context } = snapshot;
  const ended = context.status !== "running";
  const definitions = flow ? new Map(flattenSteps(flow.definition.nodes).map((step) => [step.name, step])) : undefined;
  const names = definitions ? [...definitions.keys()] : Object.keys(context.steps);
  const steps = names.map((name): StepView => {
    const definition = definitions?.get(name);
    const step = context.steps[name];
    const undo = context.compensations[name];
    const undoing = undo !== undefined && undo.status !== "pending" && undo.status !== "cancelled";
    const record = undoing ? undo : step;
    const status = undoing ? undoStatus(undo) : stepStatus(step, ended);
    const policy = undoing ? definition?.compensationPolicy : definition?.policy;
    return {
      name,
      status,
      attempts: record?.attempts ?? 0,
      ...(policy ? { maxAttempts: policy.retries + 1 } : {}),
      ...(definition?.group !== undefined ? { group: definition.group } : {}),
      ...(record?.error ? { error: record.error } : {}),
      ...(status === "waiting" ? { until: step?.until ?? null } : {}),
    };
  });
  const output = snapshot.output as FlowResult | undefined;
  return {
    runId: context.runId,
    flow: context.flow.name,
    status: context.status,
    steps,
    currentSteps: steps.filter((step) => CURRENT.has(step.status)).map((step) => step.name),
    outputs: context.outputs,
    error: context.error,
    result: ended && output && Array.isArray(output.steps) ? output : null,
  };
}

/** The view of a run that has not started: every step pending. */
export function idleView(flow: ViewableFlow): RunView {
  return {
    runId: null,
    flow: flow.name,
    status: "idle",
    steps: flattenSteps(flow.definition.nodes).map((step) => ({
      name: step.name,
      status: "pending",
      attempts: 0,
      maxAttempts: step.policy.retries + 1,
      ...(step.group !== undefined ? { group: step.group } : {}),
    })),
    currentSteps: [],
    outputs: {},
    error: null,
    result: null,
  };
}

const CURRENT = new Set<StepViewStatus>(["running", "retrying", "waiting", "compensating"]);

function undoStatus(undo: StepRecord): StepViewStatus {
  if (undo.status === "completed") return "compensated";
  if (undo.status === "failed") return "compensation_failed";
  return "compensating";
}

function stepStatus(step: StepRecord | undefined, ended: boolean): StepViewStatus {
  if (!step) return ended ? "skipped" : "pending";
  if (step.status === "pending" && ended) return "skipped";
  return step.status;
}
