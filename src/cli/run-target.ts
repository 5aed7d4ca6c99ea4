import type { Flow, RunRecord, RunStore } from "orchestrix";
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
  if (record.status === "running" && !isOrphaned(record)) {
    const advice =
      action === "cancel"
        ? "cancel it there (handle.cancel() or the run's AbortSignal), or stop that process and run this command again"
        : "it is still running there; stop that process first if it is stuck, then run this command again";
    throw new CliError(`Run ${record.runId} of flow ${record.flow} is held by a live process, ${record.owner ?? "(unknown)"}: ${advice}`);
  }
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
