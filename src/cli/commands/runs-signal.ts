import { FlowValidationError, SignalRefusedError } from "orchestrix";
import { parseInput } from "../arguments.js";
import { CliError, ExitCode } from "../cli-error.js";
import { loadFlows } from "../load-flows.js";
import { flowForRun, loadRun } from "../run-target.js";
import { withStore } from "../store-url.js";

/** Options of `orchestrix runs signal`. */
export interface SignalRunOptions {
  store: string;
  /** The module that exports the run's flow: the payload is validated against its wait's schema. */
  module: string;
  /** The payload as JSON text, or `@file.json`. */
  data?: string;
  /** The signal's id (e.g. the webhook's event id): sending the same id again records nothing new. */
  signalId?: string;
}

/**
 * `orchestrix runs signal <runId> <name>`: records a signal for a run's wait in the store, whether
 * or not a process runs it now; the run takes it in when it is (or next gets) there.
 */
export async function signalRunCommand(runId: string, name: string, options: SignalRunOptions): Promise<number> {
  // Bad arguments are reported before the user's module is imported (it may have side effects).
  const payload = options.data === undefined ? undefined : parseInput(options.data, "--data");
  return withStore(options.store, { mustExist: true }, async (store) => {
    const record = await loadRun(store, runId, options.store);
    const flow = flowForRun(record, await loadFlows(options.module), options.module);
    try {
      const receipt = await flow.signal(runId, name as never, payload as never, {
        store,
        ...(options.signalId === undefined ? {} : { signalId: options.signalId }),
      });
      console.log(
        receipt.duplicate
          ? `Signal ${receipt.signalId} was already recorded for run ${runId}; nothing new was stored.`
          : `Recorded signal "${name}" (${receipt.signalId}) for run ${runId} of flow ${record.flow}; the run takes it in at its wait.`,
      );
      return ExitCode.OK;
    } catch (error) {
      if (error instanceof SignalRefusedError) throw new CliError(error.message, { cause: error });
      if (error instanceof FlowValidationError) {
        throw new CliError(`${error.message}\nGot: ${JSON.stringify(payload) ?? "no payload (pass one with --data '<json>')"}`, { cause: error });
      }
      throw error;
    }
  });
}
