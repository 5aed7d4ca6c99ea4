import { describe, expect, it } from "vitest";
import { startCli, waitForOutput } from "./helpers/cli.js";

describe("orchestrix inspect", () => {
  it("serves the inspector page on loopback until it is stopped", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const started = startCli(["inspect", "--port", String(port)]);
    try {
      const [, url] = await waitForOutput(started, /Orchestrix inspector: (\S+)/);
      expect(url).toBe(`http://127.0.0.1:${port}/`);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Orchestrix");
    } finally {
      started.child.kill("SIGINT");
    }
    expect((await started.done).code).toBe(0);
  });
});
