import type { AnyActorRef } from "xstate";
import { readFlowSnapshot, runView, type RunView, type ViewableFlow } from "orchestrix";

/** Something a view can be read from and watched on: a run's actor, a server's event stream, or nothing yet. */
export interface ViewSource {
  subscribe(onChange: () => void): () => void;
  /** The current view; the same object until something changes. */
  getView(): RunView;
}

/** A source that never changes (a run that has not started). */
export function fixedSource(view: RunView): ViewSource {
  return { subscribe: () => () => {}, getView: () => view };
}

// Views by flow (its steps' budgets are part of a view), then by snapshot.
const NO_FLOW = {};
const views = new WeakMap<object, WeakMap<object, RunView>>();
const sources = new WeakMap<AnyActorRef, Map<object, ViewSource>>();

/** The view of an actor's snapshot, built once per snapshot so selectors compare by identity. */
export function viewOfSnapshot(snapshot: unknown, flow?: ViewableFlow): RunView | undefined {
  if (typeof snapshot !== "object" || snapshot === null) return undefined;
  let ofFlow = views.get(flow ?? NO_FLOW);
  if (!ofFlow) views.set(flow ?? NO_FLOW, (ofFlow = new WeakMap()));
  let view = ofFlow.get(snapshot);
  if (!view) {
    const reading = readFlowSnapshot(snapshot);
    if (!reading.ok) return undefined;
    view = runView(reading.snapshot, flow);
    ofFlow.set(snapshot, view);
  }
  return view;
}

/** The one source of an actor running an Orchestrix flow. */
export function actorSource(actor: AnyActorRef, flow?: ViewableFlow): ViewSource {
  let ofActor = sources.get(actor);
  if (!ofActor) sources.set(actor, (ofActor = new Map()));
  let source = ofActor.get(flow ?? NO_FLOW);
  if (!source) {
    source = {
      subscribe(onChange) {
        // Errors and completion also change what the view shows; an unhandled actor error must not throw here.
        const subscription = actor.subscribe({ next: onChange, error: onChange, complete: onChange });
        return () => subscription.unsubscribe();
      },
      getView() {
        const view = viewOfSnapshot(actor.getSnapshot(), flow);
        if (!view) throw new TypeError(`Actor "${actor.id}" does not run an Orchestrix flow: its snapshot has no flow context`);
        return view;
      },
    };
    ofActor.set(flow ?? NO_FLOW, source);
  }
  return source;
}
