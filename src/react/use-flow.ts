import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { createActor, type Snapshot } from "xstate";
import { idleView, type Flow, type RunHandle, type RunOptions, type RunView } from "orchestrix";
import { useView } from "./selector.js";
import { actorSource, fixedSource, type ViewSource } from "./source.js";

/** Options of {@link useFlow}. */
export interface UseFlowOptions<TInput> {
  /** The input `start()` uses when it is called without one. */
  input?: TInput;
  /** A persisted snapshot (`actor.getPersistedSnapshot()`, or a stored record's `snapshot`): the run continues from it on mount. */
  snapshot?: unknown;
  /** Passed to XState, e.g. `createBrowserInspector().inspect`. */
  inspect?: RunOptions["inspect"];
}

/** What {@link useFlow} returns: the run's view, and the means to start and cancel it. */
export interface FlowView<TInput = unknown> extends RunView {
  /** Starts a run with this input (or the `input` option) and returns its id; while a run is going, returns its id and starts nothing. */
  start(input?: TInput, options?: { runId?: string }): string;
  /** Cancels the run: in-flight work is aborted, completed steps are compensated. */
  cancel(reason?: string): void;
  /** The run's XState actor, `null` before `start`. */
  actor: RunHandle["actor"] | null;
  /** Where the view comes from: what {@link useFlowSelector} reads. */
  source: ViewSource;
}

type Live = Pick<RunHandle, "runId" | "actor" | "cancel">;

/**
 * Runs a flow in the component. The component owns the run: unmounting it stops the actor (its
 * step results are no longer recorded), so a saga that must outlive the page section runs outside
 * React (`flow.start()` with a store) and is shown with `useFlowRun`. Under StrictMode's double
 * mount the same actor carries on: no step runs twice.
 * @example const checkout = useFlow(paymentFlow); <button onClick={() => checkout.start(order)}>Pay</button>
 */
export function useFlow<TInput, TOutputs extends Record<string, unknown>>(
  flow: Flow<TInput, TOutputs>,
  options: UseFlowOptions<TInput> = {},
): FlowView<TInput> {
  const latest = useRef(options);
  latest.current = options;
  const live = useRef<Live | null>(null);
  const [current, setCurrent] = useState<Live | null>(null);
  const pendingStop = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const adopt = useCallback((next: Live) => {
    live.current = next;
    setCurrent(next);
  }, []);

  useEffect(() => {
    // StrictMode unmounts and mounts again at once: the stop scheduled by the cleanup is called off.
    clearTimeout(pendingStop.current);
    const { snapshot, inspect } = latest.current;
    if (!live.current && snapshot !== undefined) {
      const actor = createActor(flow.machine, { snapshot: snapshot as Snapshot<unknown>, ...(inspect ? { inspect } : {}) } as never) as RunHandle["actor"];
      actor.start();
      adopt({
        runId: actor.getSnapshot().context.runId,
        actor,
        cancel: (reason) => actor.send(reason === undefined ? { type: "CANCEL" } : { type: "CANCEL", reason }),
      });
    }
    return () => {
      const owned = live.current;
      pendingStop.current = setTimeout(() => {
        owned?.actor.stop();
        if (live.current === owned) live.current = null;
      }, 0);
    };
  }, [flow, adopt]);

  const start = useCallback(
    (input?: TInput, startOptions: { runId?: string } = {}): string => {
      const running = live.current;
      if (running && running.actor.getSnapshot().status === "active") return running.runId;
      const given = input === undefined ? latest.current.input : input;
      const { inspect } = latest.current;
      const handle = flow.start(given as TInput, { ...startOptions, ...(inspect ? { inspect } : {}) });
      // The result promise also rejects when the component stops the actor on unmount: nobody awaits it here.
      handle.result.catch(() => undefined);
      adopt(handle);
      return handle.runId;
    },
    [flow, adopt],
  );
  const cancel = useCallback((reason?: string) => live.current?.cancel(reason), []);

  const idle = useMemo(() => fixedSource(idleView(flow)), [flow]);
  const source = current ? actorSource(current.actor, flow) : idle;
  const view = useView(source);
  return useMemo(() => ({ ...view, start, cancel, actor: current?.actor ?? null, source }), [view, start, cancel, current, source]);
}
