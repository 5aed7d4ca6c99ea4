import type { AnyActorRef, SnapshotFrom } from "xstate";
import type { CompiledFlow } from "../compile/machine.js";
import type { Json } from "../json.js";

/** What a persisted snapshot keeps of each child actor: the fields XState's own persisting writes. */
interface ChildActor extends AnyActorRef {
  /** The child's system id (a field of XState's actors, not of its actor-ref type). */
  systemId?: string | undefined;
  /** Set by XState on children invoked or spawned with `syncSnapshot`; not part of its public types. */
  _syncSnapshot?: boolean;
}

/**
 * The persisted snapshot of a run, as `actor.getPersistedSnapshot()` returns it, built in one object
 * per save. XState's own persisting copies the snapshot twice (once to leave out its methods, once
 * more in the machine) and walks the whole context looking for actor references, which an
 * Orchestrix context never holds; at every transition that cost grows with the run. The context is
 * shared, not copied, so what did not change stays the same object from save to save. Equal to
 * XState's at every transition (tested).
 */
export function persistedSnapshot(snapshot: SnapshotFrom<CompiledFlow["machine"]>): Json {
  const children: Record<string, unknown> = {};
  for (const id in snapshot.children) {
    const child = snapshot.children[id] as ChildActor;
    // As XState refuses to: a child given as logic rather than by name could not be restored.
    if (typeof child.src !== "string") throw new Error(`The child actor "${id}" was not started by name, so it cannot be persisted`);
    children[id] = { snapshot: child.getPersistedSnapshot(), src: child.src, systemId: child.systemId, syncSnapshot: child._syncSnapshot };
  }
  return {
    status: snapshot.status,
    output: snapshot.output,
    error: snapshot.error,
    value: snapshot.value,
    historyValue: persistedHistory(snapshot.historyValue),
    context: snapshot.context,
    children,
  } as unknown as Json;
}

/** History states' remembered nodes by their ids, as XState persists them. */
function persistedHistory(history: unknown): Record<string, { id: string }[]> {
  const persisted: Record<string, { id: string }[]> = {};
  if (typeof history !== "object" || history === null) return persisted;
  for (const [key, nodes] of Object.entries(history as Record<string, unknown>)) {
    if (Array.isArray(nodes)) persisted[key] = nodes.map((node: { id: string }) => ({ id: node.id }));
  }
  return persisted;
}
