import type { StandardSchemaV1 } from "@standard-schema/spec";
import { FlowValidationError } from "./errors.js";
import { MAX_JSON_DEPTH, whyNotJson, type Json } from "./json.js";

/**
 * Validates a run's input with the flow's Standard Schema (sync or async) and checks that the
 * validated value is JSON, since it is kept in every snapshot. Throws {@link FlowValidationError}.
 */
export function validateInput(flow: string, schema: StandardSchemaV1 | undefined, input: unknown): Json | Promise<Json> {
  // Before the schema sees it: a validator recursing into 10,000 levels would overflow the stack.
  if (nestedDeeperThan(input, MAX_JSON_DEPTH)) {
    throw new FlowValidationError(flow, [{ message: `the input is nested more than ${MAX_JSON_DEPTH} levels deep; flatten it or store it elsewhere and pass a reference` }]);
  }
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

/** Whether objects and arrays in `value` nest more than `limit` levels deep (walked without recursion). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    if (depth >= limit) return true;
    seen.add(current);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
