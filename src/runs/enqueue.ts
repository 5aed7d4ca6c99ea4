import { createActor } from "xstate";
import { PreparedInput } from "../compile/input.js";
import { RunInputMismatchError, SnapshotError, StoreError } from "../errors.js";
import type { Json } from "../json.js";
import type { RunRecord, RunStore } from "../stores/types.js";
import { inputHash } from "./input-hash.js";
import type { FlowEngine } from "./launch.js";
import { toRecord } from "./persistence.js";

/**
 * `flow.enqueue()`: stores a run of validated input that nobody holds yet and queues it for a
 * worker, in one transaction of the store's queue. The same id with the same input is the same run
 * (nothing is written again); with other input it is refused.
 */
export async function enqueueRun(engine: FlowEngine, store: RunStore, runId: string, input: Json): Promise<{ runId: string }> {
  const { name } = engine.definition;
  if (!store.queue) {
    throw new StoreError(
      `flow.enqueue() of flow "${name}" needs a store that queues runs for workers (postgresStore from orchestrix/postgres); ` +
        `the store given has no queue. Use flow.run() to run it in this process instead`,
      { flow: name },
    );
  }
  const hash = inputHash(input);
  const existing = await store.queue.enqueue(queuedRecord(engine, runId, input, hash));
  if (existing) {
    if (existing.flow !== name) {
      throw new SnapshotError(`Run id "${runId}" is already used by a run of flow "${existing.flow}", not "${name}"; it was left as it is`, { flow: name });
    }
    if (existing.inputHash !== "" && existing.inputHash !== hash) throw new RunInputMismatchError(name, runId);
  }
  return { runId };
}

/**
 * The record of a queued run: the machine's first snapshot, made without starting the actor (so no
 * hook fires and no step runs), at fence 0 and seq 0, held by nobody. A worker that claims it starts
 * the run from its input.
 */
function queuedRecord(engine: FlowEngine, runId: string, input: Json, hash: string): RunRecord {
  const actor = createActor(engine.compiled.machine, { id: runId, input: new PreparedInput(input, runId) });
  const now = Date.now();
  // A persisted machine snapshot is JSON (the context is JSON only; DESIGN §2).
  const persisted: unknown = actor.getPersistedSnapshot();
  const record = toRecord(actor.getSnapshot(), persisted as Json, 0, { fence: 0, leaseUntil: 0, inputHash: hash, createdAt: now });
  return { ...record, owner: null, leaseUntil: null, currentStep: null, attempts: 0, lastError: null };
}
