import { compensationOrder, flattenSteps, type FlowDefinition } from "../definition.js";
import { ErrorCode, OrchestrixError } from "../errors.js";
import type { Json } from "../json.js";
import { validateInput } from "../schema.js";
import { pendingRecord, type FlowContext } from "../snapshot/context.js";

/** Input that `flow.run()` has already validated, with the run's id; anything else is validated by the machine. */
export class PreparedInput {
  constructor(
    readonly value: Json,
    readonly runId: string,
  ) {}
}

/** The input of a child run, validated by the child's machine when it starts (a bad input fails the step, not the parent). */
export class ChildRunInput {
  constructor(
    /** The child run's id. */
    readonly runId: string,
    /** Computes the raw input from the parent's context; may throw. */
    readonly compute: () => unknown,
  ) {}
}

/** The input of a child's undo: the context its completed run ended with, and why the parent is undone. */
export class ChildUndoInput {
  constructor(
    /** The context the undo starts from. */
    readonly context: FlowContext,
  ) {}
}

/** What `createActor(flow.machine, { input })` accepts: the flow's raw input, or a {@link PreparedInput}. */
export type FlowMachineInput = unknown;

/** The machine's first context: the validated input and a pending record per step and compensation. */
export function createInitialContext(
  definition: FlowDefinition,
  definitionHash: string,
  input: FlowMachineInput,
  self: { id: string; sessionId: string },
): FlowContext {
  let value: Json;
  let runId: string;
  if (input instanceof ChildUndoInput) return input.context;
  if (input instanceof PreparedInput) {
    ({ value, runId } = input);
  } else {
    // A child run's input is computed and validated here: a throw fails the child actor, and so its step.
    const validated = validateInput(definition.name, definition.schema, input instanceof ChildRunInput ? input.compute() : input);
    if (validated instanceof Promise) {
      throw new OrchestrixError(
        ErrorCode.SCHEMA_ASYNC,
        `Flow "${definition.name}" has an async schema, which createActor() cannot wait for; use flow.run() instead`,
        { flow: definition.name },
      );
    }
    value = validated;
    runId = input instanceof ChildRunInput ? input.runId : self.id !== self.sessionId ? self.id : crypto.randomUUID();
  }
  return {
    flow: { name: definition.name, version: definition.version ?? null, definitionHash },
    runId,
    input: value,
    data: {},
    outputs: {},
    steps: Object.fromEntries(flattenSteps(definition.nodes).map((step) => [step.name, pendingRecord()])),
    compensations: Object.fromEntries(compensationOrder(definition.nodes).map((step) => [step.name, pendingRecord()])),
    status: "running",
    startedAt: Date.now(),
    endedAt: null,
    error: null,
    failedStep: null,
    cancelled: false,
    cancelReason: null,
    abortedGroups: [],
  };
}
