import type { SnapshotFrom } from "xstate";
import type { CompiledFlow } from "../compile/machine.js";
import type { Json } from "../json.js";

/** A context with nothing to walk: XState's persisting of the context is done here instead. */
const EMPTY = Object.freeze({});

/**
 * The persisted snapshot of a run, as `actor.getPersistedSnapshot()` returns it, without XState
 * walking the whole context on every save. XState walks it to replace actor references; an
 * Orchestrix context is plain JSON and never holds one, so the walk (over the input, the data
 * and every record, at every transition) finds nothing and its cost grows with the run.
 */
export function persistedSnapshot(machine: CompiledFlow["machine"], snapshot: SnapshotFrom<CompiledFlow["machine"]>): Json {
  const persisted = machine.getPersistedSnapshot({ ...snapshot, context: EMPTY } as typeof snapshot) as Record<string, unknown>;
  persisted.context = snapshot.context;
  return persisted as Json;
}
