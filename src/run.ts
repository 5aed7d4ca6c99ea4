import { createActor, type Actor, type Snapshot } from "xstate";
import type { CompiledFlow } from "./compile/machine.js";
import { PreparedInput } from "./compile/input.js";
import type { FlowContext } from "./compile/context.js";
import { withErrors } from "./compile/result.js";
import type { FlowDefinition } from "./definition.js";
import { reviveError } from "./error-record.js";
import { ErrorCode, FlowAlreadyRunningError, OrchestrixError } from "./errors.js";
import { claimHere, releaseHere, thisOwner } from "./owner.js";
import type { Json } from "./json.js";
import { RunPersistence } from "./persistence.js";
import type { RunStore } from "./stores/types.js";
import type { FlowResult, RunOptions } from "./types.js";

/** A run in progress: its id, its actor, its eventual result, and a way to cancel it. */
export interface RunHandle<TOutputs = Record<string, unknown>> {
  /** The run's id. */
  readonly runId: string;
  /** The XState actor executing the run: subscribe to it, inspect it, persist its snapshot. */
  readonly actor: Actor<CompiledFlow["machine"]>;
  /** Settles with the run's result when it ends; rejects only if the engine or the store breaks. */
  readonly result: Promise<FlowResult<TOutputs>>;
  /** Cancels the run: in-flight work is aborted and completed steps are compensated. */
  cancel(reason?: string): void;
}

/** Where a launched run starts from: fresh validated input, or a stored snapshot. */
export type RunSource = { input: Json } | { snapshot: Snapshot<unknown> };

/** How a launched run is persisted, if at all. */
export interface LaunchPersistence {
  store: RunStore;
  /** The stored `seq` to continue from (0 for a new run). */
  seq: number;
  /** Whether the first save inserts a new record. */
  isNew: boolean;
  createdAt: number;
}

/** Starts an actor for a run and wires result, cancellation, signal and persistence. */
export function launchRun<TOutputs>(
  compiled: CompiledFlow,
  definition: FlowDefinition,
  runId: string,
  source: RunSource,
  options: RunOptions,
  persistence?: LaunchPersistence,
): RunHandle<TOutputs> {
  if (!claimHere(runId)) throw new FlowAlreadyRunningError(definition.name, runId, `this process (${thisOwner})`);
  const { liveRuns } = compiled;
  let saver: RunPersistence | undefined;
  liveRuns.track(runId, persistence ? () => saver?.durable() ?? Promise.resolve() : undefined);
  if ("snapshot" in source) liveRuns.noteRestored(runId, attemptsInFlight(source.snapshot));
  let actor: Actor<CompiledFlow["machine"]>;
  try {
    actor = createActor(compiled.machine, {
      id: runId,
      ...("snapshot" in source ? { snapshot: source.snapshot } : { input: new PreparedInput(source.input, runId) }),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
  } catch (error) {
    liveRuns.release(runId);
    releaseHere(runId);
    throw error;
  }
  const cancel = (reason?: string) => actor.send(reason === undefined ? { type: "CANCEL" } : { type: "CANCEL", reason });
  const { signal } = options;
  const onAbort = () => cancel(abortReason(signal));

  const result = new Promise<FlowResult<TOutputs>>((resolve, reject) => {
    let storeFailure: Error | undefined;
    const settle = () => {
      signal?.removeEventListener("abort", onAbort);
      liveRuns.release(runId);
      releaseHere(runId);
    };
    if (persistence) {
      saver = new RunPersistence(persistence.store, persistence.createdAt, persistence, (failure) => {
        storeFailure = failure;
        actor.stop();
      });
    }
    actor.subscribe({
      next: (snapshot) => saver?.record(snapshot, actor.getPersistedSnapshot()),
      complete: () => {
        const snapshot = actor.getSnapshot();
        const fail = (error: unknown) => {
          settle();
          reject(error);
        };
        if (storeFailure) return fail(storeFailure);
        if (snapshot.status !== "done") {
          return fail(
            new OrchestrixError(ErrorCode.FLOW_CANCELLED, `Run "${runId}" of flow "${definition.name}" was stopped before it ended`, {
              flow: definition.name,
            }),
          );
        }
        const finish = () => {
          // The machine's output is the result with error records; hand back the original errors.
          const outcome = withErrors(snapshot.output, (key, record) => liveRuns.getError(runId, key) ?? reviveError(record));
          settle();
          resolve(outcome as FlowResult<TOutputs>);
        };
        // With a store, the result is handed back only once the final snapshot is durable.
        if (saver) saver.durable().then(finish, fail);
        else finish();
      },
      error: (error) => {
        settle();
        reject(error);
      },
    });
  });
  actor.start();
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return { runId, actor, result, cancel };
}

function abortReason(signal: AbortSignal | undefined): string | undefined {
  const reason: unknown = signal?.reason;
  if (reason === undefined) return undefined;
  return reason instanceof Error ? reason.message : String(reason);
}

/** The attempts a snapshot shows in flight, as `kind:step:attempt` keys. */
function attemptsInFlight(snapshot: Snapshot<unknown>): string[] {
  const context = (snapshot as { context?: Partial<FlowContext> }).context;
  const keys: string[] = [];
  for (const [kind, records] of [["step", context?.steps], ["compensation", context?.compensations]] as const) {
    for (const [name, record] of Object.entries(records ?? {})) {
      if (record.status === "running") keys.push(`${kind}:${name}:${record.attempts}`);
    }
  }
  return keys;
}
