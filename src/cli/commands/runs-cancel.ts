import { CliError, ExitCode } from "../cli-error.js";
import { loadFlows } from "../load-flows.js";
import { withProgress } from "../progress.js";
import { ensureOrphaned, flowForRun, loadRun, takeOverRun } from "../run-target.js";
import { withStore } from "../store-url.js";
import { renderResult } from "../summary.js";

/** Options of `orchestrix runs cancel`. */
export interface CancelRunOptions {
  store: string;
  /** The module that exports the run's flow (its compensations run here). */
  module: string;
}

/** Why the run was cancelled, as its result's error will say. */
const REASON = "cancelled with `orchestrix runs cancel`";

/**
 * `orchestrix runs cancel <runId>`: cancels a run whose process is gone by resuming it here with an
 * already-aborted signal, so its completed steps are compensated in this process.
 * Resolves with 0 when the run ends cancelled, 2 when it ends otherwise (e.g. a compensation failed).
 */
export async function cancelRunCommand(runId: string, options: CancelRunOptions): Promise<number> {
  return withStore(options.store, { mustExist: true }, async (store) => {
    const record = await loadRun(store, runId, options.store);
    if (record.status !== "running") {
      throw new CliError(`Run ${runId} of flow ${record.flow} has already ended with status ${record.status}; there is nothing to cancel`);
    }
    ensureOrphaned(record, "cancel");
    const flow = withProgress(flowForRun(record, await loadFlows(options.module), options.module), (line) => console.log(line));
    const controller = new AbortController();
    controller.abort(REASON);
    console.log(`Cancelling run ${runId} of flow ${record.flow}${record.currentStep === null ? "" : ` (it was at ${record.currentStep})`}…`);
    const result = await takeOverRun(record, "cancel", () => flow.resume(runId, { store, signal: controller.signal }));
    console.log(`\n${renderResult(result)}`);
    return result.status === "cancelled" ? ExitCode.OK : ExitCode.UNFINISHED;
  });
}
