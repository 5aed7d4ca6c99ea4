import type { Json } from "./json.js";

/** How an error is kept in a snapshot: `Error` objects serialize to `{}`, so their fields are copied. */
export interface ErrorRecord {
  /** The error's class name, e.g. `"TypeError"`. */
  name: string;
  /** The error's message. */
  message: string;
  /** The stack trace, when there was one. */
  stack: string | null;
  /** The error's `code` property, when it had a string or number one. */
  code: string | number | null;
  [key: string]: Json;
}

/** Wraps a thrown non-Error value in an Error whose message says what was thrown. */
export function toError(thrown: unknown, where: string): Error {
  if (thrown instanceof Error) return thrown;
  let shown: string;
  try {
    shown = typeof thrown === "string" ? JSON.stringify(thrown) : String(JSON.stringify(thrown) ?? thrown);
  } catch {
    shown = String(thrown);
  }
  return new Error(`${where} threw a non-Error value: ${shown}`, { cause: thrown });
}

/** Copies an error's fields into a JSON record. */
export function recordError(error: unknown): ErrorRecord {
  const err = toError(error, "Code");
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    stack: err.stack ?? null,
    code: typeof code === "string" || typeof code === "number" ? code : null,
  };
}

/** Turns a stored record back into an `Error` (for results of restored runs). */
export function reviveError(record: ErrorRecord): Error {
  const error = new Error(record.message);
  error.name = record.name;
  if (record.stack !== null) error.stack = record.stack;
  if (record.code !== null) (error as Error & { code: string | number }).code = record.code;
  return error;
}
