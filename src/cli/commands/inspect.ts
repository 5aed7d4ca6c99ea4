import type { Flow } from "orchestrix";
import { startInspector, type Inspector } from "orchestrix/inspector";
import { CliError } from "../cli-error.js";
import { errorMessage } from "../format.js";
import { parseStoreUrl, openStore } from "../store-url.js";
import { loadFlows } from "../load-flows.js";

/** Options of `orchestrix inspect`. */
export interface InspectOptions {
  port: number;
  host: string;
  token?: string;
  store?: string;
  /** Modules whose flows draw stored runs that were never seen live. */
  module?: string[];
  /** Browser origins whose pages may report runs (`--allow-origin`). */
  allowOrigin?: string[];
}

/** `orchestrix inspect`: serves the local inspector until the process is stopped. */
export async function inspectCommand(options: InspectOptions): Promise<number> {
  // The inspector only reads. A PostgreSQL database is never given tables by looking at it (an empty
  // one shows why it has no runs until a run is stored there); a SQLite file named for the store is
  // created if missing, so the inspector can be started before the first run.
  const url = options.store === undefined ? undefined : parseStoreUrl(options.store);
  const store = url && openStore(url, { mustExist: false, readonly: url.scheme === "postgres" });
  const flows: Flow[] = [];
  for (const specifier of options.module ?? []) flows.push(...(await loadFlows(specifier)).map((l) => l.flow));
  let inspector: Inspector;
  try {
    inspector = await startInspector({
      port: options.port,
      host: options.host,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(store ? { store } : {}),
      ...(options.allowOrigin ? { allowOrigins: options.allowOrigin } : {}),
      flows,
    });
  } catch (cause) {
    await store?.close();
    throw new CliError(startFailure(cause, options), { cause });
  }
  console.log(`Orchestrix inspector: ${inspector.url}`);
  console.log(`Report runs to it with createWebSocketInspector({ url: "${inspector.reportUrl}" }) from @statelyai/inspect.`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await inspector.close();
  await store?.close();
  return 0;
}

/**
 * Why the inspector did not start, in the command line's terms. Everything `startInspector` throws is
 * about its options or the address it listens on: a mistake to fix, not a bug to show a stack for.
 */
function startFailure(cause: unknown, options: InspectOptions): string {
  const code = ((cause as { cause?: { code?: unknown } }).cause ?? cause) as { code?: unknown };
  const address = `${options.host}:${options.port}`;
  if (code.code === "EADDRINUSE") return `Cannot start the inspector: ${address} is already in use; pass another --port, or --port 0 for any free one`;
  if (code.code === "EADDRNOTAVAIL") return `Cannot start the inspector: ${options.host} is not an address of this machine (--host)`;
  if (code.code === "EACCES") return `Cannot start the inspector: not allowed to listen on ${address}; ports below 1024 need privileges, pick another --port`;
  return errorMessage(cause).replace("Pass { token }", "Pass --token <secret>");
}
