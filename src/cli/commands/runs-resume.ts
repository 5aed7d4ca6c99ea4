import { storedResult } from "orchestrix";
import { exitCodeFor } from "../cli-error.js";
import { cancelOnInterrupt } from "../interrupt.js";
import { loadFlows } from "../load-flows.js";
import { withProgress } from "../progress.js";
import { ensureOrphaned, flowForRun, loadRun, takeOverRun } from "../run-target.js";
import { withStore } from "../store-url.js";
import { renderResult } from "../summary.js";

/** Options of `orchestrix runs resume`. */
export interface ResumeRunOptions {
  store: string;
  /** The module that exports the run's flow. */
  module: string;
}

/**
 * `orchestrix runs resume <runId>`: continues a run whose process is gone, in this process, with progress lines.
 * Resolves with the exit code: 0 completed, 2 failed/cancelled/compensation_failed.
 */
export async function resumeRunCommand(runId: string, options: ResumeRunOptions): Promise<number> {
  return withStore(options.store, { mustExist: true }, async (store) => {
    const record = await loadRun(store, runId, options.store);
    if (record.status !== "running") {
      console.log(`Run ${runId} of flow ${record.flow} has already ended (${record.status}); nothing to resume. Its stored result:\n`);
      const result = storedResult(record);
      console.log(renderResult(result));
      return exitCodeFor(result.status);
    }
    ensureOrphaned(record, "resume");
    const flow = withProgress(flowForRun(record, await loadFlows(options.module), options.module), (line) => console.log(line));
    console.log(`Resuming run ${runId} of flow ${record.flow}${record.currentStep === null ? "" : ` at ${record.currentStep}`}…`);
    const interrupt = cancelOnInterrupt((line) => console.error(line));
    try {
      const result = await takeOverRun(record, "resume", () => flow.resume(runId, { store, signal: interrupt.signal }));
      // Another process may have finished the run between this command's look and its takeover.
      if (result.cached) console.log(`Run ${runId} of flow ${record.flow} has already ended (${result.status}) in another process; nothing ran here. Its stored result:`);
      console.log(`\n${renderResult(result)}`);
      return exitCodeFor(result.status);
    } finally {
      interrupt.dispose();
    }
  });
}
