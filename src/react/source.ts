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

const views = new WeakMap<object, RunView>();
const sources = new WeakMap<AnyActorRef, ViewSource>();

/** The view of an actor's snapshot, built once per snapshot so selectors compare by identity. */
export function viewOfSnapshot(snapshot: unknown, flow?: ViewableFlow): RunView | undefined {
  if (typeof snapshot !== "object" || snapshot === null) return undefined;
  let view = views.get(snapshot);
  if (!view) {
    const reading = readFlowSnapshot(snapshot);
    if (!reading.ok) return undefined;
    view = runView(reading.snapshot, flow);
    views.set(snapshot, view);
  }
  return view;
}

/** The one source of an actor running an Orchestrix flow. */
export function actorSource(actor: AnyActorRef, flow?: ViewableFlow): ViewSource {
  let source = sources.get(actor);
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
    sources.set(actor, source);
  }
  return source;
}
