import { createActor, type Actor } from "xstate";
import type { CompiledFlow } from "./compile/machine.js";
import { PreparedInput } from "./compile/input.js";
import { buildResult } from "./compile/result.js";
import type { FlowDefinition } from "./definition.js";
import { reviveError } from "./error-record.js";
import type { Json } from "./json.js";
import type { FlowResult, RunOptions } from "./types.js";

/** A run in progress: its id, its actor, its eventual result, and a way to cancel it. */
export interface RunHandle<TOutputs = Record<string, unknown>> {
  /** The run's id. */
  readonly runId: string;
  /** The XState actor executing the run: subscribe to it, inspect it, persist its snapshot. */
  readonly actor: Actor<CompiledFlow["machine"]>;
  /** Settles with the run's result when it ends; rejects only if the engine itself breaks. */
  readonly result: Promise<FlowResult<TOutputs>>;
  /** Cancels the run: in-flight work is aborted and completed steps are compensated. */
  cancel(reason?: string): void;
}

/** Starts an actor for already-validated input and wires result, cancellation and signal. */
export function launchRun<TOutputs>(
  compiled: CompiledFlow,
  definition: FlowDefinition,
  value: Json,
  options: RunOptions,
): RunHandle<TOutputs> {
  const runId = options.runId ?? crypto.randomUUID();
  const { liveErrors } = compiled;
  liveErrors.track(runId);
  const actor = createActor(compiled.machine, {
    id: runId,
    input: new PreparedInput(value, runId),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const cancel = (reason?: string) => actor.send(reason === undefined ? { type: "CANCEL" } : { type: "CANCEL", reason });
  const { signal } = options;
  const onAbort = () => cancel(abortReason(signal));

  const result = new Promise<FlowResult<TOutputs>>((resolve, reject) => {
    const settle = () => {
      signal?.removeEventListener("abort", onAbort);
      liveErrors.release(runId);
    };
    actor.subscribe({
      complete: () => {
        const outcome = buildResult(
          actor.getSnapshot().context,
          definition,
          (key, record) => liveErrors.get(runId, key) ?? reviveError(record),
        );
        settle();
        resolve(outcome as FlowResult<TOutputs>);
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
