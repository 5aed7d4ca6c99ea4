import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("orchestrix inspect", () => {
  it("serves the inspector page on loopback until it is stopped", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", "inspect", "--port", String(port)], { cwd: root });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const found = /Orchestrix inspector: (\S+)/.exec(out);
          if (found?.[1]) resolve(found[1]);
        });
        child.on("exit", (code) => reject(new Error(`inspect exited ${code}: ${out}`)));
      });
      expect(url).toBe(`http://127.0.0.1:${port}/`);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Orchestrix");
    } finally {
      child.kill("SIGINT");
    }
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
  }, 30_000);

  it("refuses to bind beyond loopback without a token", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", "inspect", "--host", "0.0.0.0", "--port", "4999"], { cwd: root });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/Refusing to start the inspector on 0\.0\.0\.0 without a token/);
  }, 30_000);
});
