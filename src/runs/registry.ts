/**
 * The one registry of runs live in this process, by run id (any flow, any store). A run id is live
 * here at most once: a second launch is refused, and a second durable call joins the first.
 * It keeps what the engine needs while a run is live and never puts in the snapshot: original error
 * objects, the gate that holds attempts until the store has the run's past, and the attempts a
 * restored snapshot showed in flight.
 */

import type { FlowContext, ReceivedSignal } from "../snapshot/context.js";

/** What the engine keeps about a run while it is live in this process. */
export interface LiveRun {
  /** Hands a signal to the run's actor; set once the actor exists. */
  deliver: ((signal: ReceivedSignal) => void) | undefined;
  /** The run's context now; set once the actor exists. */
  context: (() => FlowContext) | undefined;
  /** The store the run is saved in here, if any: a signal recorded in another store is not handed over directly. */
  store: object | undefined;
  /** Original error objects by key (`step:<name>`, `compensation:<name>`, `flow`); made on the first error. */
  errors: Map<string, unknown> | undefined;
  /** Resolves when every snapshot so far is durable; attempts wait for it before they start. Absent without a store. */
  durable: (() => Promise<void>) | undefined;
  /** Attempts in flight in the snapshot this run was restored from (`step:<name>:<attempt>`); only for restored runs. */
  restored: Set<string> | undefined;
  /** Step and compensation functions executing now: a run is at a transition boundary when none is. */
  executing: number;
  /** Set once the run is being handed back: no further step function may start. */
  handingBack: boolean;
}

const live = new Map<string, LiveRun>();
/** Durable calls under way here, per store, by flow and run id. */
const joinable = new WeakMap<object, Map<string, { work: Promise<unknown>; tag: string | undefined }>>();

/** Registers a run as live here; `undefined` when it already is (it must not run twice). */
export function registerRun(runId: string, durable?: () => Promise<void>, restored?: readonly string[]): LiveRun | undefined {
  if (live.has(runId)) return undefined;
  const run: LiveRun = {
    errors: undefined,
    durable,
    restored: restored && new Set(restored),
    executing: 0,
    handingBack: false,
    deliver: undefined,
    context: undefined,
    store: undefined,
  };
  live.set(runId, run);
  return run;
}

/** Forgets a run that is no longer live here. */
export function unregisterRun(runId: string, run: LiveRun): void {
  if (live.get(runId) === run) live.delete(runId);
}

/** Whether a run is live in this process. */
export function isLiveHere(runId: string): boolean {
  return live.has(runId);
}

/** Keeps an original error of a live run. */
export function keepError(runId: string, key: string, error: unknown): void {
  const run = live.get(runId);
  if (run) (run.errors ??= new Map()).set(key, error);
}

/** The original error kept under `key`, if the run is live here. */
export function keptError(runId: string, key: string): unknown {
  return live.get(runId)?.errors?.get(key);
}

/** Whether an attempt was begun by the process a run was restored from (it may have run there). */
export function wasRestored(runId: string, key: string): boolean {
  return live.get(runId)?.restored?.has(key) ?? false;
}

/** The live run with this id, if any. */
export function liveRun(runId: string): LiveRun | undefined {
  return live.get(runId);
}

/** The live run with this id, or for a child run (`<parent>/<step>`), the live run it is part of. */
function liveOrParent(runId: string): LiveRun | undefined {
  for (let id = runId; ; ) {
    const run = live.get(id);
    if (run) return run;
    const slash = id.lastIndexOf("/");
    if (slash <= 0) return undefined;
    id = id.slice(0, slash);
  }
}

/**
 * Marks a step or compensation function of a live run as starting; `false` when the run is being
 * handed back, and then the function must not start (the owner is stopping the run at this boundary).
 */
export function enterStep(runId: string): boolean {
  const run = liveOrParent(runId);
  if (!run) return true;
  if (run.handingBack) return false;
  run.executing++;
  return true;
}

/** Marks a function begun with {@link enterStep} as settled. */
export function leaveStep(runId: string): void {
  const run = liveOrParent(runId);
  if (run && run.executing > 0) run.executing--;
}

/**
 * Waits until the run's snapshots so far are durable; `undefined` when the run has no store here.
 * A child run (`<parent>/<step>`) is saved inside its parent's snapshot, so it waits for its parent's.
 */
export function untilDurable(runId: string): Promise<void> | undefined {
  return liveOrParent(runId)?.durable?.();
}

/**
 * Runs `start` for a run of `flow` in `store` unless a durable call for the same run is already
 * under way here: then it joins that call and gets the very same promise. A call whose `tag` (the
 * input's hash) differs from the one under way is refused with `mismatch()`; one that cannot be
 * compared (the call under way is a resume) waits for it to end and then goes its own way.
 */
export function joinOrStart<T>(
  store: object,
  flow: string,
  runId: string,
  tag: string | undefined,
  mismatch: (() => Error) | undefined,
  start: () => Promise<T>,
): Promise<T> {
  let calls = joinable.get(store);
  if (!calls) joinable.set(store, (calls = new Map()));
  const key = `${flow}\u0000${runId}`;
  const under = calls.get(key);
  if (under) {
    if (tag === under.tag || !mismatch) return under.work as Promise<T>;
    if (under.tag !== undefined && tag !== undefined) return Promise.reject(mismatch());
    const again = () => joinOrStart(store, flow, runId, tag, mismatch, start);
    return under.work.then(again, again);
  }
  const work = start();
  const entry = { work, tag };
  calls.set(key, entry);
  const forget = () => {
    if (calls.get(key) === entry) calls.delete(key);
  };
  work.then(forget, forget);
  return work;
}
