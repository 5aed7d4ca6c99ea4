export { create, Flow } from "./builder.js";
export type { StepOptions, ParallelBranch, ParallelOptions } from "./builder.js";
export {
  ErrorCode,
  OrchestrixError,
  FlowValidationError,
  FlowDefinitionError,
  NonRetryableError,
  NotJsonError,
  StepTimeoutError,
  FlowCancelledError,
  FlowAlreadyRunningError,
  FlowVersionMismatchError,
  SnapshotError,
  StoreError,
  RunNotFoundError,
} from "./errors.js";
export { resumeAll, storedResult } from "./durable.js";
export type { DurableRunOptions, ResumeOptions, ResumedRuns } from "./durable.js";
export { memoryStore } from "./store/memory.js";
export { setDefaultStore, getDefaultStore } from "./store/default.js";
export type { RunStore, RunRecord, RunQuery, RunStatus } from "./store/types.js";

export type { ErrorOrigin, OrchestrixErrorJson } from "./errors.js";
export type { RunHandle } from "./run.js";
export type { BackoffFactor, RetryOptions } from "./policy.js";
export { retryDelay } from "./retry.js";
export type { Json } from "./json.js";
export type { ErrorRecord } from "./error-record.js";
export type { FlowContext, FlowEvent, StepRecord, AttemptRecord, RecordStatus } from "./compile/context.js";
export { toMermaid } from "./export/mermaid.js";
export { toMachineJson } from "./export/json.js";
export { loggingPlugin } from "./logging.js";
export type {
  StepContext,
  CompensationContext,
  FlowConfig,
  FlowHooks,
  FlowPlugin,
  HookName,
  LoggingOptions,
  FlowStatus,
  StepStatus,
  StepResult,
  FlowResult,
  CompletedFlowResult,
  UnfinishedFlowResult,
  CompensationFailure,
  RunOptions,
  FlowEventBase,
  FlowStartEvent,
  FlowResumeEvent,
  FlowCompleteEvent,
  FlowFailEvent,
  StepStartEvent,
  StepCompleteEvent,
  StepFailEvent,
  StepRetryEvent,
  CompensateEvent,
  CompensateCompleteEvent,
} from "./types.js";
