import { useCallback, useMemo } from "react";
import { useSelector } from "@xstate/react";
import type { AnyActorRef } from "xstate";
import type { RunView, ViewableFlow } from "orchestrix";
import { actorSource, viewOfSnapshot, type ViewSource } from "./source.js";

/** What {@link useFlowRun} returns: the run's view and a way to cancel it. */
export interface FlowRunView extends RunView {
  /** Sends the run a cancel: in-flight work is aborted, completed steps are compensated. */
  cancel(reason?: string): void;
  actor: AnyActorRef;
  source: ViewSource;
}

/**
 * Shows a run whose actor was created outside React (`flow.start(input).actor`). The caller owns the
 * actor's lifetime: unmounting the component only stops watching, the run goes on.
 * Pass the flow to get each step's `maxAttempts`.
 */
export function useFlowRun(actor: AnyActorRef, flow?: ViewableFlow): FlowRunView {
  const source = actorSource(actor, flow);
  const view = useSelector(actor, (snapshot) => viewOfSnapshot(snapshot, flow) ?? source.getView());
  const cancel = useCallback(
    (reason?: string) => actor.send(reason === undefined ? { type: "CANCEL" } : { type: "CANCEL", reason }),
    [actor],
  );
  return useMemo(() => ({ ...view, cancel, actor, source }), [view, cancel, actor, source]);
}
