import type { StandardSchemaV1 } from "@standard-schema/spec";
import { FlowValidationError } from "./errors.js";
import { whyNotJson, type Json } from "./json.js";

/**
 * Validates a run's input with the flow's Standard Schema (sync or async) and checks that the
 * validated value is JSON, since it is kept in every snapshot. Throws {@link FlowValidationError}.
 */
export function validateInput(flow: string, schema: StandardSchemaV1 | undefined, input: unknown): Json | Promise<Json> {
  if (!schema) return requireJson(flow, input);
  const result = schema["~standard"].validate(input);
  return result instanceof Promise ? result.then((settled) => accept(flow, settled)) : accept(flow, result);
}

function accept(flow: string, result: StandardSchemaV1.Result<unknown>): Json {
  if (result.issues) throw new FlowValidationError(flow, result.issues);
  return requireJson(flow, result.value);
}

function requireJson(flow: string, value: unknown): Json {
  if (value === undefined) return null;
  const reason = whyNotJson(value, "input");
  if (reason !== undefined) {
    throw new FlowValidationError(flow, [
      { message: `the input is kept in snapshots, so it must survive JSON.stringify/JSON.parse, but ${reason}` },
    ]);
  }
  return value as Json;
}
