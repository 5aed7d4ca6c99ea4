import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleFlows, machineFiles, readmeWithDiagram } from "../scripts/machines.js";

describe("machines/", () => {
  it("holds the current machine of every example flow (run `npm run machines` after changing one)", async () => {
    for (const flow of await exampleFlows()) {
      for (const [file, expected] of Object.entries(await machineFiles(flow))) {
        const stored = readFileSync(join(import.meta.dirname, "..", "machines", file), "utf8");
        expect(stored, `machines/${file} is stale: run \`npm run machines\``).toBe(expected);
      }
    }
  });

  it("shows the current payment saga diagram in the README", async () => {
    const [payment] = await exampleFlows();
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    expect(readmeWithDiagram(readme, payment!.toMermaid()), "README.md is stale: run `npm run machines`").toBe(readme);
  });

  it("draws the payment saga as SVG with every step name (the inspector's drawing)", async () => {
    const svg = readFileSync(join(import.meta.dirname, "..", "machines", "payment-saga.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    for (const name of ["reserve-stock", "process-payment", "confirm-order", "send-email", "compensating", "retrying"]) {
      expect(svg).toContain(`>${name}<`);
    }
  });

  it("draws the payment saga readably in Mermaid", async () => {
    const [payment] = await exampleFlows();
    const mermaid = payment!.toMermaid();
    expect(mermaid.startsWith("stateDiagram-v2\n")).toBe(true);
    for (const step of ["reserve-stock", "process-payment", "confirm-order", "send-email"]) {
      expect(mermaid).toContain(`state "${step}" as steps_${step.replace(/-/g, "_")} {`);
    }
    expect(mermaid).toContain("steps_reserve_stock --> steps_process_payment : done");
    expect(mermaid).toContain("steps --> compensating : done [cancelled] / error [cancelled or aborted] / error [no retries left] / CANCEL");
    expect(mermaid).toContain("compensating --> failed : done");
    expect(mermaid).toContain("steps --> completed : done\n");
  });
});
