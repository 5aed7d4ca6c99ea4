import type { StandardSchemaV1 } from "@standard-schema/spec";

/** Every error code Orchestrix raises, as a closed set. */
export const ErrorCode = {
  INPUT_INVALID: "INPUT_INVALID",
  DEFINITION_INVALID: "DEFINITION_INVALID",
  VALUE_NOT_JSON: "VALUE_NOT_JSON",
  STEP_FAILED: "STEP_FAILED",
  STEP_TIMEOUT: "STEP_TIMEOUT",
  NON_RETRYABLE: "NON_RETRYABLE",
  FLOW_CANCELLED: "FLOW_CANCELLED",
  COMPENSATION_FAILED: "COMPENSATION_FAILED",
  SCHEMA_ASYNC: "SCHEMA_ASYNC",
  VERSION_MISMATCH: "VERSION_MISMATCH",
  SNAPSHOT_INVALID: "SNAPSHOT_INVALID",
  ALREADY_RUNNING: "ALREADY_RUNNING",
  STORE_FAILED: "STORE_FAILED",
  RUN_NOT_FOUND: "RUN_NOT_FOUND",
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where an error happened, attached to every {@link OrchestrixError}. */
export interface ErrorOrigin {
  /** The flow's name. */
  flow?: string;
  /** The step's name, when a step is concerned. */
  step?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** Base class of every error Orchestrix throws; `code` says which kind it is. */
export class OrchestrixError extends Error {
  /** Machine-readable kind of error. */
  readonly code: ErrorCode;
  /** The flow concerned, when known. */
  readonly flow: string | undefined;
  /** The step concerned, when known. */
  readonly step: string | undefined;

  constructor(code: ErrorCode, message: string, origin: ErrorOrigin = {}) {
    super(message, origin.cause === undefined ? undefined : { cause: origin.cause });
    this.name = new.target.name;
    this.code = code;
    this.flow = origin.flow;
    this.step = origin.step;
  }
}

/** The flow's input failed its schema; `issues` are the schema's own issues. No step ran. */
export class FlowValidationError extends OrchestrixError {
  /** The Standard Schema issues, as the validator reported them. */
  readonly issues: readonly StandardSchemaV1.Issue[];

  constructor(flow: string, issues: readonly StandardSchemaV1.Issue[]) {
    const listed = issues.map((issue) => `  - ${formatIssuePath(issue)}${issue.message}`).join("\n");
    super(ErrorCode.INPUT_INVALID, `Invalid input for flow "${flow}":\n${listed}`, { flow });
    this.issues = issues;
  }
}

function formatIssuePath(issue: StandardSchemaV1.Issue): string {
  if (!issue.path || issue.path.length === 0) return "";
  const keys = issue.path.map((segment) =>
    typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment,
  );
  return `${keys.map(String).join(".")}: `;
}

/** The flow definition is wrong (duplicate step, invalid option…); thrown while building. */
export class FlowDefinitionError extends OrchestrixError {
  constructor(message: string, origin: ErrorOrigin = {}) {
    super(ErrorCode.DEFINITION_INVALID, message, origin);
  }
}

/** Throw this from a step to fail it at once: its remaining retries are skipped. */
export class NonRetryableError extends OrchestrixError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.NON_RETRYABLE, message, options);
  }
}

/** A value given to `ctx.set` or returned by a step would not survive a JSON round trip. */
export class NotJsonError extends OrchestrixError {
  constructor(message: string, origin: ErrorOrigin = {}) {
    super(ErrorCode.VALUE_NOT_JSON, message, origin);
  }
}

/** One attempt of a step ran longer than its `timeoutMs`. */
export class StepTimeoutError extends OrchestrixError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(flow: string, step: string, timeoutMs: number) {
    super(ErrorCode.STEP_TIMEOUT, `Step "${step}" of flow "${flow}" timed out after ${timeoutMs} ms`, { flow, step });
    this.timeoutMs = timeoutMs;
  }
}

/** The run was cancelled (through `signal` or `handle.cancel()`); carried as the result's `error`. */
export class FlowCancelledError extends OrchestrixError {
  constructor(flow: string, reason?: string) {
    super(ErrorCode.FLOW_CANCELLED, `Flow "${flow}" was cancelled${reason ? `: ${reason}` : ""}`, { flow });
  }
}

/** Whether an error asks not to be retried (also across module copies, by name). */
export function isNonRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError || error instanceof NotJsonError) return true;
  return error instanceof Error && (error.name === "NonRetryableError" || error.name === "NotJsonError");
}
