/**
 * The layout worker: reads, lays out and renders one machine definition away from the thread that
 * serves requests. Started by `worker.ts`; it gets the definition as JSON text and answers with the
 * layout and its SVG as JSON text (a string crosses threads as one copy, an object graph would be
 * cloned piece by piece on both sides).
 */
import { parentPort } from "node:worker_threads";
import { layoutMachine } from "./layout.js";
import { renderSvg } from "./render.js";

parentPort?.once("message", (definition: string) => {
  layoutMachine(definition).then(
    (layout) => parentPort?.postMessage({ drawn: JSON.stringify({ layout, svg: renderSvg(layout) }) }),
    (error: unknown) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
