import { FlowValidationError, type RunStore } from "orchestrix";
import { parseInput } from "../arguments.js";
import { CliError, exitCodeFor } from "../cli-error.js";
import { cancelOnInterrupt } from "../interrupt.js";
import { loadFlows, pickFlow } from "../load-flows.js";
import { withProgress } from "../progress.js";
import { openStore, parseStoreUrl } from "../store-url.js";
import { renderResult } from "../summary.js";

/** Options of `orchestrix run`. */
export interface RunFlowOptions {
  /** Which flow of the module; needed when it exports several. */
  flow?: string;
  /** The input as JSON text, or `@file.json`. */
  input?: string;
  /** Where to keep the run; without it the run is not saved. */
  store?: string;
  runId?: string;
}

/**
 * `orchestrix run <module>`: runs a flow the module exports, printing a line per step event and then the result.
 * Resolves with the exit code: 0 completed, 2 failed/cancelled/compensation_failed.
 */
export async function runFlowCommand(specifier: string, options: RunFlowOptions): Promise<number> {
  // Bad arguments are reported before the user's module is imported (it may have side effects).
  const input = options.input === undefined ? undefined : parseInput(options.input);
  const storeUrl = options.store === undefined ? undefined : parseStoreUrl(options.store);
  const flow = withProgress(pickFlow(await loadFlows(specifier), options.flow, specifier), (line) => console.log(line));
  const store: RunStore | undefined = storeUrl && openStore(storeUrl, { mustExist: false });
  const interrupt = cancelOnInterrupt((line) => console.error(line));
  try {
    if (store && options.runId !== undefined) {
      const existing = await store.load(options.runId);
      if (existing && existing.status !== "running") {
        console.log(`Run ${options.runId} has already ended (${existing.status}); its stored result follows (use another --run-id to run again).`);
      }
    }
    const result = await flow.run(input, {
      signal: interrupt.signal,
      ...(store ? { store } : {}),
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
    });
    console.log(`\n${renderResult(result)}`);
    return exitCodeFor(result.status);
  } catch (error) {
    if (error instanceof FlowValidationError) {
      throw new CliError(`${error.message}\nGot: ${JSON.stringify(input) ?? "no input (pass one with --input '<json>')"}`, { cause: error });
    }
    throw error;
  } finally {
    interrupt.dispose();
    await store?.close();
  }
}
