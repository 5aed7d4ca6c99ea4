/**
 * Child flows (`.child()`): the id and input of a child run, and the context its undo starts from.
 * A child run is an invoked child actor of its parent's machine; its undo is a second machine of
 * the child's flow that starts in `compensating` from the child's final context.
 */
import type { StepDefinition } from "../definition.js";
import type { ChildRecord, FlowContext, StepRecord } from "../snapshot/context.js";
import type { FlowResult } from "../types.js";
import { ChildRunInput, ChildUndoInput, createInitialContext, PreparedInput } from "./input.js";
import { validateInput } from "../schema.js";

/** The id of the child run a parent runs as step `step`: `<parent run id>/<step>`. */
export function childRunId(parentRunId: string, step: string): string {
  return `${parentRunId}/${step}`;
}

/** The invoke input of the child run of `step`. */
export function childInputOf(context: FlowContext, step: StepDefinition): ChildRunInput {
  const child = step.child;
  return new ChildRunInput(childRunId(context.runId, step.name), () => child?.input({ input: context.input, outputs: context.outputs }));
}

/** What the parent keeps of a child's result. */
export function childRecordOf(result: FlowResult): ChildRecord {
  return { runId: result.runId, data: result.data, completed: result.steps.filter((step) => step.status === "completed").map((step) => step.name) };
}

/**
 * The input of the undo of the completed child run of `step`: the child's context rebuilt from what
 * the parent kept (its input computed again from the parent's context, its outputs, data and
 * completed steps), with the parent's error as the reason it is undone.
 */
export function undoInputOf(context: FlowContext, step: StepDefinition): ChildUndoInput {
  const child = step.child;
  const record: ChildRecord = context.children?.[step.name] ?? { runId: childRunId(context.runId, step.name), data: {}, completed: [] };
  if (!child) throw new Error(`Step "${step.name}" does not run a child flow`);
  const { definition, definitionHash } = child.flow;
  let input: unknown = null;
  try {
    const validated = validateInput(definition.name, definition.schema, child.input({ input: context.input, outputs: context.outputs }));
    if (!(validated instanceof Promise)) input = validated;
  } catch {
    // The input was valid when the child ran; if it can no longer be computed, the undo still runs on the rest.
  }
  const fresh = createInitialContext(definition, definitionHash, new PreparedInput(input as never, record.runId), { id: record.runId, sessionId: "" });
  const steps: Record<string, StepRecord> = { ...fresh.steps };
  for (const name of record.completed) {
    const pending = steps[name];
    if (pending) steps[name] = { ...pending, status: "completed", attempts: 1 };
  }
  const outputs = (context.outputs[step.name] ?? {}) as FlowContext["outputs"];
  return new ChildUndoInput({ ...fresh, outputs, data: record.data, steps, error: context.error, failedStep: null });
}

/** Whether a child's result is a completed run. */
export function childCompleted(output: unknown): output is FlowResult & { status: "completed" } {
  return typeof output === "object" && output !== null && (output as FlowResult).status === "completed";
}
