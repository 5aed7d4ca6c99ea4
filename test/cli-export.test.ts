import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const cli = (...args: string[]) => run(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { cwd: root });

describe("orchestrix export", () => {
  it("writes the payment saga's JSON and Mermaid exactly as machines/ holds them, and an SVG with every step", async () => {
    const out = mkdtempSync(join(tmpdir(), "orchestrix-export-"));
    const { stdout } = await cli("export", "examples/payment-flow.ts", "--format", "json,mermaid", "--format", "svg", "--out", out);
    expect(stdout).toContain(`wrote ${join(out, "payment-saga.svg")}`);
    for (const file of ["payment-saga.json", "payment-saga.mmd", "payment-saga.svg"]) {
      expect(readFileSync(join(out, file), "utf8"), file).toBe(readFileSync(join(root, "machines", file), "utf8"));
    }
    const svg = readFileSync(join(out, "payment-saga.svg"), "utf8");
    for (const step of ["reserve-stock", "process-payment", "confirm-order", "send-email"]) expect(svg).toContain(`>${step}<`);
  }, 30_000);

  it("refuses an unknown format, saying which ones exist", async () => {
    const failure = await cli("export", "examples/payment-flow.ts", "--format", "png").catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toContain('Expected --format to be json, mermaid, svg (or several, comma-separated); got "png"');
  }, 30_000);
});
