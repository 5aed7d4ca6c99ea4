import { useCallback, useRef, useSyncExternalStore } from "react";
import type { RunView } from "orchestrix";
import type { ViewSource } from "./source.js";

/** Anything a hook of `orchestrix/react` returned: it carries where its view comes from. */
export interface HasViewSource {
  readonly source: ViewSource;
}

/** Whether two selected values are the same: identical, or equal as JSON-like data. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/**
 * Selects part of a run's view: the component re-renders only when the selected value changes
 * (compared with `isEqual`, structural equality by default). Pass a hook's result, or its `source`
 * (stable for the whole run) to a memoized child so that only the child re-renders.
 * @example const payment = useFlowSelector(checkout, (view) => view.steps.find((s) => s.name === "process-payment"));
 */
export function useFlowSelector<T>(
  view: HasViewSource | ViewSource,
  selector: (view: RunView) => T,
  isEqual: (a: T, b: T) => boolean = sameValue,
): T {
  const source = "source" in view ? view.source : view;
  const latest = useRef({ selector, isEqual });
  latest.current = { selector, isEqual };
  const last = useRef<{ source: ViewSource; view: RunView; value: T } | undefined>(undefined);
  const select = useCallback(() => {
    const current = source.getView();
    const previous = last.current;
    if (previous && previous.source === source && previous.view === current) return previous.value;
    const value = latest.current.selector(current);
    const kept = previous && previous.source === source && latest.current.isEqual(previous.value, value) ? previous.value : value;
    last.current = { source, view: current, value: kept };
    return kept;
  }, [source]);
  const subscribe = useCallback((onChange: () => void) => source.subscribe(onChange), [source]);
  return useSyncExternalStore(subscribe, select, select);
}

/** The whole current view of a source, re-rendering on every change. */
export function useView(source: ViewSource): RunView {
  const subscribe = useCallback((onChange: () => void) => source.subscribe(onChange), [source]);
  return useSyncExternalStore(subscribe, source.getView, source.getView);
}
