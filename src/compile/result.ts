import type { FlowDefinition } from "../definition.js";
import { flattenSteps } from "../definition.js";
import type { ErrorRecord } from "../error-record.js";
import type { FlowResult, StepResult, StepStatus } from "../types.js";
import type { FlowContext, StepRecord } from "../snapshot/context.js";

/** Turns an error record back into what the result should hold (the original, a revived Error, or the record). */
export type ErrorResolver = (key: string, record: ErrorRecord) => unknown;

/** Builds the run's result from a finished context; errors go through `resolveError`. */
export function buildResult(context: FlowContext, definition: FlowDefinition, resolveError: ErrorResolver): FlowResult {
  const steps = flattenSteps(definition.nodes).map((step): StepResult => {
    const record = context.steps[step.name];
    const undo = context.compensations[step.name];
    const result: StepResult = {
      name: step.name,
      status: record ? stepStatus(record, undo) : "skipped",
      attempts: record?.attempts ?? 0,
      durationMs: record ? duration(record.startedAt, record.endedAt) : 0,
    };
    if (record?.error && record.status === "failed") result.error = resolveError(`step:${step.name}`, record.error);
    return result;
  });
  const base = {
    name: context.flow.name,
    runId: context.runId,
    durationMs: duration(context.startedAt, context.endedAt),
    data: context.data,
    steps,
  };
  if (context.status === "completed" || context.status === "running") {
    return { ...base, status: "completed", outputs: context.outputs };
  }
  const result: FlowResult = {
    ...base,
    status: context.status,
    outputs: context.outputs,
    error: context.error ? resolveError("flow", context.error) : undefined,
  };
  const failures = Object.entries(context.compensations).filter(([, record]) => record.status === "failed");
  if (failures.length > 0) {
    result.compensationErrors = failures.map(([step, record]) => ({
      step,
      error: record.error ? resolveError(`compensation:${step}`, record.error) : undefined,
    }));
  }
  return result;
}

function stepStatus(record: StepRecord, undo: StepRecord | undefined): StepStatus {
  switch (record.status) {
    case "completed":
      if (undo?.status === "completed") return "compensated";
      if (undo?.status === "failed") return "compensation_failed";
      return "completed";
    case "failed":
      return "failed";
    case "pending":
      return "skipped";
    default:
      return "cancelled";
  }
}

function duration(start: number | null, end: number | null): number {
  return start === null || end === null ? 0 : end - start;
}

/** Resolves the error records of a result (as the machine outputs it) with `resolveError`. */
export function withErrors(output: FlowResult, resolveError: ErrorResolver): FlowResult {
  if (output.status === "completed" && output.steps.every((step) => !("error" in step))) return output;
  const resolve = (key: string, error: unknown) => (isErrorRecord(error) ? resolveError(key, error) : error);
  const steps = output.steps.map((step) => ("error" in step ? { ...step, error: resolve(`step:${step.name}`, step.error) } : step));
  if (output.status === "completed") return { ...output, steps };
  const result: FlowResult = { ...output, steps, error: resolve("flow", output.error) };
  if (output.compensationErrors) {
    result.compensationErrors = output.compensationErrors.map((failure) => ({
      ...failure,
      error: resolve(`compensation:${failure.step}`, failure.error),
    }));
  }
  return result;
}

function isErrorRecord(value: unknown): value is ErrorRecord {
  return typeof value === "object" && value !== null && typeof (value as ErrorRecord).message === "string" && "name" in value;
}
