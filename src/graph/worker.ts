/**
 * Lays out machines in worker threads, so a huge machine cannot stall the thread that serves
 * requests, and gives up on one after a time limit (its worker is then ended, not just ignored).
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { GraphLayout, MachineDefinition } from "./types.js";

/** A machine laid out and rendered (without highlight). */
export interface DrawnGraph {
  layout: GraphLayout;
  svg: string;
}

/** Options of {@link workerLayout}. */
export interface WorkerLayoutOptions {
  /** A layout still running after this long is stopped and fails. @default 10000 */
  timeoutMs?: number;
  /** Layouts run at once (one worker each); the rest wait their turn. @default 1 */
  concurrency?: number;
}

let script: Promise<URL | string> | undefined;

/**
 * The worker's script: built next to this module as `layout-worker.js`. From the TypeScript sources
 * (tests, `tsx`), where Node 20 cannot start a worker on a `.ts` file, it is bundled once with
 * esbuild (a development dependency, there when the sources are) and run as code.
 */
function workerScript(): Promise<URL | string> {
  script ??= (async () => {
    if (!import.meta.url.endsWith(".ts")) return new URL("./layout-worker.js", import.meta.url);
    const { build } = await import("esbuild");
    const result = await build({
      entryPoints: [fileURLToPath(new URL("./layout-worker.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      logLevel: "silent",
    });
    return result.outputFiles[0]!.text;
  })();
  return script;
}

/** Lays out and renders each definition in a fresh worker thread, within `timeoutMs`. */
export function workerLayout(options: WorkerLayoutOptions = {}): (definition: MachineDefinition) => Promise<DrawnGraph> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 1;
  let running = 0;
  const waiting: (() => void)[] = [];

  const runOne = (code: URL | string, definition: MachineDefinition) =>
    new Promise<DrawnGraph>((resolve, reject) => {
      const worker = typeof code === "string" ? new Worker(code, { eval: true }) : new Worker(code);
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        outcome();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`Laying out the machine took longer than ${timeoutMs} ms, so it is not drawn`))),
        timeoutMs,
      );
      worker.once("message", (message: { drawn?: string; error?: string }) =>
        finish(() =>
          message.drawn !== undefined
            ? resolve(JSON.parse(message.drawn) as DrawnGraph)
            : reject(new Error(`Could not lay out the machine: ${message.error}`)),
        ),
      );
      worker.once("error", (error) => finish(() => reject(error)));
      worker.once("exit", (code) => finish(() => reject(new Error(`The layout worker stopped (exit code ${code})`))));
      worker.postMessage(JSON.stringify(definition));
    });

  return async (definition) => {
    if (running >= concurrency) await new Promise<void>((resume) => waiting.push(resume));
    running++;
    try {
      return await runOne(await workerScript(), definition);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
