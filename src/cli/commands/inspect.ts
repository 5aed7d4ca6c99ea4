import type { Flow } from "orchestrix";
import { startInspector } from "orchestrix/inspector";
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
  const store = options.store === undefined ? undefined : openStore(parseStoreUrl(options.store), { mustExist: false });
  const flows: Flow[] = [];
  for (const specifier of options.module ?? []) flows.push(...(await loadFlows(specifier)).map((l) => l.flow));
  const inspector = await startInspector({
    port: options.port,
    host: options.host,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(store ? { store } : {}),
    ...(options.allowOrigin ? { allowOrigins: options.allowOrigin } : {}),
    flows,
  });
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
