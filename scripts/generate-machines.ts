/** `npm run machines`: rewrites `machines/` from the example flows. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exampleFlows, machineFiles, readmeWithDiagram } from "./machines.js";

const directory = join(import.meta.dirname, "..", "machines");
mkdirSync(directory, { recursive: true });
const flows = await exampleFlows();
for (const flow of flows) {
  for (const [file, text] of Object.entries(await machineFiles(flow))) {
    writeFileSync(join(directory, file), text);
    console.log(`wrote machines/${file}`);
  }
}

const readme = join(import.meta.dirname, "..", "README.md");
writeFileSync(readme, readmeWithDiagram(readFileSync(readme, "utf8"), flows[0]!.toMermaid()));
console.log("updated the diagram in README.md");
