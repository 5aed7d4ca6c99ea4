/** `npm run machines`: rewrites `machines/` from the example flows. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exampleFlows, machineFiles } from "./machines.js";

const directory = join(import.meta.dirname, "..", "machines");
mkdirSync(directory, { recursive: true });
for (const flow of await exampleFlows()) {
  for (const [file, text] of Object.entries(machineFiles(flow))) {
    writeFileSync(join(directory, file), text);
    console.log(`wrote machines/${file}`);
  }
}
