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
  RUN_FENCED: "RUN_FENCED",
  RUN_EXISTS: "RUN_EXISTS",
  INPUT_MISMATCH: "INPUT_MISMATCH",
  WAIT_TIMEOUT: "WAIT_TIMEOUT",
  SIGNAL_REFUSED: "SIGNAL_REFUSED",
  CHILD_FAILED: "CHILD_FAILED",
  RUN_HANDED_BACK: "RUN_HANDED_BACK",
  TIMEOUT: "TIMEOUT",
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

  /**
   * What `JSON.stringify(error)` gives: name, code, message, flow and step, and a summary of the cause
   * (an `Error`'s own fields are not enumerable, so without this only `code` and `name` would remain).
   */
  toJSON(): OrchestrixErrorJson {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.flow === undefined ? {} : { flow: this.flow }),
      ...(this.step === undefined ? {} : { step: this.step }),
      ...(this.cause === undefined ? {} : { cause: summarizeCause(this.cause) }),
    };
  }
}

/** The JSON form of an {@link OrchestrixError}. */
export interface OrchestrixErrorJson {
  name: string;
  code: ErrorCode;
  message: string;
  flow?: string;
  step?: string;
  /** The cause's name, message and code when it is an error; its text otherwise. */
  cause?: { name: string; message: string; code?: string } | string;
}

function summarizeCause(cause: unknown): NonNullable<OrchestrixErrorJson["cause"]> {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return { name: cause.name, message: cause.message, ...(typeof code === "string" ? { code } : {}) };
}

/** The flow's input failed its schema; `issues` are the schema's own issues. No step ran. */
export class FlowValidationError extends OrchestrixError {
  /** The Standard Schema issues, as the validator reported them. */
  readonly issues: readonly StandardSchemaV1.Issue[];

  /** `subject` names what was invalid. @default `input for flow "<flow>"` */
  constructor(flow: string, issues: readonly StandardSchemaV1.Issue[], subject = `input for flow "${flow}"`) {
    const listed = issues.map((issue) => `  - ${formatIssuePath(issue)}${issue.message}`).join("\n");
    super(ErrorCode.INPUT_INVALID, `Invalid ${subject}:\n${listed}`, { flow });
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

/** A `.waitFor()` step reached its `timeoutMs` before its signal came; the flow compensates (unless `onTimeout: "continue"`). */
export class WaitTimeoutError extends OrchestrixError {
  /** The limit that was reached, in milliseconds. */
  readonly timeoutMs: number;

  constructor(flow: string, step: string, timeoutMs: number) {
    super(ErrorCode.WAIT_TIMEOUT, `Wait "${step}" of flow "${flow}" timed out after ${timeoutMs} ms without its signal`, { flow, step });
    this.timeoutMs = timeoutMs;
  }
}

/** A signal was refused before anything was stored: no such wait, run or live run, or the run (or its wait) is over. */
export class SignalRefusedError extends OrchestrixError {
  /** The run the signal was for. */
  readonly runId: string;

  constructor(flow: string, runId: string, reason: string) {
    super(ErrorCode.SIGNAL_REFUSED, `Signal for run "${runId}" of flow "${flow}" refused: ${reason}. Nothing was stored`, { flow });
    this.runId = runId;
  }
}

/** A `.child()` step's flow failed (it compensated its own steps); the parent step fails with this. */
export class ChildFlowError extends OrchestrixError {
  /** How the child run ended. */
  readonly status: string;

  constructor(flow: string, step: string, child: string, status: string, cause: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : typeof cause === "object" && cause && "message" in cause ? `: ${String(cause.message)}` : "";
    super(ErrorCode.CHILD_FAILED, `Child flow "${child}" of step "${step}" ended ${status}${why}`, { flow, step, cause });
    this.status = status;
  }
}

/** The run was cancelled (through `signal` or `handle.cancel()`); carried as the result's `error`. */
export class FlowCancelledError extends OrchestrixError {
  constructor(flow: string, reason?: string) {
    super(ErrorCode.FLOW_CANCELLED, `Flow "${flow}" was cancelled${reason ? `: ${reason}` : ""}`, { flow });
  }
}

/** A run with this id is running in another process (or machine) right now; it is not run twice. */
export class FlowAlreadyRunningError extends OrchestrixError {
  /** The run's id. */
  readonly runId: string;
  /** Who holds the run, as `host:pid`. */
  readonly owner: string;

  constructor(flow: string, runId: string, owner: string) {
    super(ErrorCode.ALREADY_RUNNING, `Run "${runId}" of flow "${flow}" is already running in ${owner}; it is not run twice`, { flow });
    this.runId = runId;
    this.owner = owner;
  }
}

/** A stored run was made by a flow of another shape; it is never resumed into the wrong machine. */
export class FlowVersionMismatchError extends OrchestrixError {
  /** The hash and version stored with the run. */
  readonly stored: { definitionHash: string; version: string | null };
  /** The hash and version of the flow asked to resume it. */
  readonly current: { definitionHash: string; version: string | null };

  constructor(
    flow: string,
    runId: string,
    stored: { definitionHash: string; version: string | null },
    current: { definitionHash: string; version: string | null },
  ) {
    const show = (side: { definitionHash: string; version: string | null }) =>
      `version ${side.version === null ? "(none)" : JSON.stringify(side.version)}, definition ${side.definitionHash}`;
    super(
      ErrorCode.VERSION_MISMATCH,
      `Run "${runId}" was saved by flow "${flow}" ${show(stored)}, but this flow is ${show(current)}; ` +
        `its steps differ, so the run is not resumed (the record is left as it is)`,
      { flow },
    );
    this.stored = stored;
    this.current = current;
  }
}

/** A stored snapshot is corrupt, belongs to another flow, or is not an Orchestrix snapshot. */
export class SnapshotError extends OrchestrixError {
  constructor(message: string, origin: ErrorOrigin = {}) {
    super(ErrorCode.SNAPSHOT_INVALID, message, origin);
  }
}

/** The run store failed (down, closed, full, not an Orchestrix database). */
export class StoreError extends OrchestrixError {
  constructor(message: string, origin: ErrorOrigin = {}) {
    super(ErrorCode.STORE_FAILED, message, origin);
  }
}

/** A new run was to be stored under an id the store already holds; the stored run was left as it is. */
export class RunExistsError extends OrchestrixError {
  /** The run's id. */
  readonly runId: string;

  constructor(runId: string, message = `A run with id "${runId}" already exists`, origin: ErrorOrigin = {}) {
    super(ErrorCode.RUN_EXISTS, message, origin);
    this.runId = runId;
  }
}

/** Another process claimed this run: this process's save was refused, and it stopped the run. */
export class RunFencedError extends OrchestrixError {
  /** The run's id. */
  readonly runId: string;

  constructor(runId: string, detail: string, origin: ErrorOrigin = {}) {
    super(ErrorCode.RUN_FENCED, `Run "${runId}" was taken over by another owner (${detail}); this process stopped it and starts no further step`, origin);
    this.runId = runId;
  }
}

/** A run id was reused with other input: like an idempotency key, one id means one input. */
export class RunInputMismatchError extends OrchestrixError {
  /** The run's id. */
  readonly runId: string;

  constructor(flow: string, runId: string) {
    super(
      ErrorCode.INPUT_MISMATCH,
      `Run id "${runId}" of flow "${flow}" was already used with other input; a run id names one input. Use a new id for this input`,
      { flow },
    );
    this.runId = runId;
  }
}

/**
 * This process handed a run back at a transition boundary (a graceful stop, or a long wait parked
 * until its deadline): its last snapshot is saved and it is free for any owner to continue.
 */
export class RunHandedBackError extends OrchestrixError {
  /** The run's id. */
  readonly runId: string;
  /** When the run has something to do again (epoch ms): its earliest deadline; `undefined` means at once, `null` when its signal comes. */
  readonly wakeAt: number | null | undefined;

  constructor(flow: string, runId: string, wakeAt: number | null | undefined) {
    const when =
      wakeAt === undefined ? "for any owner to continue at once" : wakeAt === null ? "parked until its signal is sent" : `parked until ${new Date(wakeAt).toISOString()}`;
    super(ErrorCode.RUN_HANDED_BACK, `Run "${runId}" of flow "${flow}" was handed back at a transition boundary, ${when}`, { flow });
    this.runId = runId;
    this.wakeAt = wakeAt;
  }
}

/** A run did not end within the time a caller was willing to wait for it (`flow.result`). */
export class RunTimeoutError extends OrchestrixError {
  /** The run's id. */
  readonly runId: string;

  constructor(flow: string, runId: string, timeoutMs: number, state: string) {
    super(ErrorCode.TIMEOUT, `Run "${runId}" of flow "${flow}" did not end within ${timeoutMs} ms: ${state}`, { flow });
    this.runId = runId;
  }
}

/** No stored run has this id. */
export class RunNotFoundError extends OrchestrixError {
  constructor(runId: string, flow?: string) {
    super(ErrorCode.RUN_NOT_FOUND, `No stored run "${runId}"${flow ? ` of flow "${flow}"` : ""}`, flow ? { flow } : {});
  }
}

/** Whether an error asks not to be retried (also across module copies, by name). */
export function isNonRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError || error instanceof NotJsonError) return true;
  return error instanceof Error && (error.name === "NonRetryableError" || error.name === "NotJsonError");
}
