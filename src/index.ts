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
  RunFencedError,
  RunExistsError,
  RunInputMismatchError,
  WaitTimeoutError,
  SignalRefusedError,
  ChildFlowError,
  RunHandedBackError,
  RunTimeoutError,
} from "./errors.js";
export { resumeAll, storedResult } from "./runs/durable.js";
export type { DurableRunOptions, ResumeOptions, ResumedRuns, ResumableFlow, LeaseOptions } from "./runs/durable.js";
export type { HandBackOptions } from "./runs/hand-back.js";
export { DEFAULT_LEASE_MS, isHeld as isRunHeld, thisOwner } from "./runs/owner.js";
export { readFlowSnapshot } from "./snapshot/read.js";
export { inputHash as hashRunInput } from "./runs/input-hash.js";
export { splitSnapshot, joinSnapshot } from "./snapshot/codec.js";
export type { SplitSnapshot } from "./snapshot/codec.js";
export type { FlowSnapshot, SnapshotReading } from "./snapshot/read.js";
export { runView, idleView } from "./snapshot/view.js";
export type { RunView, StepView, StepViewStatus, ViewableSnapshot, ViewableFlow } from "./snapshot/view.js";
export { memoryStore, fencedSaveError, summaryOf } from "./stores/memory.js";
export { encodeRunCursor, decodeRunCursor } from "./stores/cursor.js";
export type { RunPosition } from "./stores/cursor.js";
export { setDefaultStore, getDefaultStore } from "./stores/default.js";
export type { RunStore, RunQueue, RunEndings, RunRecord, RunSummary, RunQuery, RunPage, RunStatus, ClaimRequest, Claim, SaveEffects, StoredSignal } from "./stores/types.js";

export type { ErrorOrigin, OrchestrixErrorJson } from "./errors.js";
export type { RunHandle } from "./runs/launch.js";
export type { BackoffFactor, RetryOptions } from "./policy.js";
export { retryDelay } from "./retry.js";
export type { Json } from "./json.js";
export type { ErrorRecord } from "./error-record.js";
export type { FlowContext, FlowEvent, StepRecord, AttemptRecord, RecordStatus, ReceivedSignal, ChildRecord } from "./snapshot/context.js";
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
