import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT } from "./helpers/cli.js";

describe("orchestrix export", () => {
  it("writes the payment saga's JSON and Mermaid exactly as machines/ holds them, and an SVG with every step", async () => {
    const out = mkdtempSync(join(tmpdir(), "orchestrix-export-"));
    const { code, stdout, stderr } = await cli(["export", "examples/flows.ts", "--format", "json,mermaid", "--format", "svg", "--out", out]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // examples/flows.ts has no side effects: loading it runs no order.
    expect(stdout).not.toContain("Payment successful");
    expect(stdout).toContain(`wrote ${join(out, "payment-saga.svg")}`);
    for (const file of ["payment-saga.json", "payment-saga.mmd", "payment-saga.svg"]) {
      expect(readFileSync(join(out, file), "utf8"), file).toBe(readFileSync(join(ROOT, "machines", file), "utf8"));
    }
    const svg = readFileSync(join(out, "payment-saga.svg"), "utf8");
    for (const step of ["reserve-stock", "process-payment", "confirm-order", "send-email"]) expect(svg).toContain(`>${step}<`);
  });

  it("refuses an unknown format, saying which ones exist; its help names the default once", async () => {
    const [failure, help] = await Promise.all([cli(["export", "examples/flows.ts", "--format", "png"]), cli(["export", "--help"])]);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('Expected --format to be json, mermaid, svg (or several, comma-separated); got "png"');
    // Commander wraps long lines: compare the text with its whitespace folded.
    expect(help.stdout.replace(/\s+/g, " ")).toContain("comma-separated or repeated (default: all three) --out");
  });
});
