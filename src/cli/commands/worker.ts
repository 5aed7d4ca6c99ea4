import { createWorker, postgresStore } from "orchestrix/postgres";
import { CliError } from "../cli-error.js";
import { loadFlows } from "../load-flows.js";
import { parseStoreUrl } from "../store-url.js";

/** Options of `orchestrix worker`. */
export interface WorkerCommandOptions {
  store: string;
  concurrency: number;
  leaseMs?: number;
  parkAfterMs?: number;
}

/**
 * `orchestrix worker`: runs the module's flows from the PostgreSQL queue until SIGTERM or SIGINT,
 * then stops gracefully: each run in flight finishes the step it is in and is handed back to the queue.
 */
export async function workerCommand(module: string, options: WorkerCommandOptions): Promise<number> {
  const url = parseStoreUrl(options.store);
  if (url.scheme !== "postgres") {
    throw new CliError(`Expected --store to be a PostgreSQL URL for a worker (the queue lives there), e.g. postgres://user@127.0.0.1:5432/app; got ${JSON.stringify(options.store)}`);
  }
  const flows = (await loadFlows(module)).map((loaded) => loaded.flow);
  const store = postgresStore({ connectionString: url.url });
  const worker = createWorker({
    store,
    flows,
    concurrency: options.concurrency,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.parkAfterMs === undefined ? {} : { parkAfterMs: options.parkAfterMs }),
  });
  await worker.start();
  console.log(`orchestrix worker ${process.pid}: running ${flows.map((flow) => flow.name).join(", ")} from ${store.where}, ${options.concurrency} at a time`);
  await new Promise<void>((resolveStop) => {
    process.once("SIGINT", () => resolveStop());
    process.once("SIGTERM", () => resolveStop());
  });
  console.log(`orchestrix worker ${process.pid}: stopping; ${worker.inFlight} run(s) in flight finish their current step and are handed back`);
  await worker.stop();
  await store.close();
  return 0;
}
