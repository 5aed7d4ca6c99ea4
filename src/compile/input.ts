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
  if (input instanceof PreparedInput) {
    ({ value, runId } = input);
  } else {
    const validated = validateInput(definition.name, definition.schema, input);
    if (validated instanceof Promise) {
      throw new OrchestrixError(
        ErrorCode.SCHEMA_ASYNC,
        `Flow "${definition.name}" has an async schema, which createActor() cannot wait for; use flow.run() instead`,
        { flow: definition.name },
      );
    }
    value = validated;
    runId = self.id !== self.sessionId ? self.id : crypto.randomUUID();
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
