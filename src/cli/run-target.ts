import { FlowAlreadyRunningError, type Flow, type RunRecord, type RunStore } from "orchestrix";
import { CliError } from "./cli-error.js";
import { isOrphaned } from "./liveness.js";
import type { LoadedFlow } from "./load-flows.js";

/** The stored run with this id; a clear error naming the store when there is none. */
export async function loadRun(store: RunStore, runId: string, storeUrl: string): Promise<RunRecord> {
  const record = await store.load(runId);
  if (!record) {
    throw new CliError(`No run with id ${JSON.stringify(runId)} in ${storeUrl}; list the stored runs with: orchestrix runs list --store ${storeUrl}`);
  }
  return record;
}

/**
 * Refuses an unfinished run that a live process still holds, naming that process, before any user
 * code is loaded. (The engine checks again when it resumes, so a race still cannot run it twice.)
 */
export function ensureOrphaned(record: RunRecord, action: "resume" | "cancel"): void {
  if (record.status === "running" && !isOrphaned(record)) throw heldError(record.runId, record.flow, record.owner ?? "(unknown)", action);
}

/**
 * Runs the engine's takeover of a run; when another process claimed it first (it won the race
 * since `ensureOrphaned` looked), says so as `ensureOrphaned` does.
 */
export async function takeOverRun<T>(record: RunRecord, action: "resume" | "cancel", work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FlowAlreadyRunningError) throw heldError(record.runId, record.flow, error.owner, action, error);
    throw error;
  }
}

function heldError(runId: string, flow: string, owner: string, action: "resume" | "cancel", cause?: unknown): CliError {
  const advice =
    action === "cancel"
      ? "cancel it there (handle.cancel() or the run's AbortSignal), or stop that process and run this command again"
      : "it is still running there; stop that process first if it is stuck, then run this command again";
  return new CliError(`Run ${runId} of flow ${flow} is held by a live process, ${owner}: ${advice}`, cause === undefined ? {} : { cause });
}

/** The flow of the module that a stored run belongs to, found by the flow name in its record. */
export function flowForRun(record: RunRecord, flows: readonly LoadedFlow[], specifier: string): Flow {
  const flow = flows.find((loaded) => loaded.flow.name === record.flow)?.flow;
  if (!flow) {
    const names = flows.map((loaded) => JSON.stringify(loaded.flow.name)).join(", ");
    throw new CliError(
      `Run ${JSON.stringify(record.runId)} belongs to flow ${JSON.stringify(record.flow)}, ` +
        `but the module ${specifier} exports no flow of that name (it exports ${names}); pass the module that defines it with --module`,
    );
  }
  return flow;
}
