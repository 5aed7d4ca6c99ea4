import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { createWebSocketInspector } from "@statelyai/inspect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentFlow } from "../examples/flows.js";
import { resetScenario, scenario } from "../examples/services.js";
import { startInspector, stopReporter, type Inspector } from "../src/inspector/index.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const order = { orderId: "ORD-9", items: [{ sku: "LAPTOP-01", qty: 1 }], amount: 1200, userId: "user_9" };

let inspector: Inspector;

beforeAll(async () => {
  inspector = await startInspector({ port: 0 });
});
afterAll(() => inspector.close());

/** The inspector's summary of an Orchestrix run, looked up by its run id. */
const summaryOf = (runId: string) => inspector.runs().find((summary) => inspector.run(summary.key)?.summary.runId === runId);

describe("reporting to the local inspector", () => {
  it("examples/inspect-websocket.ts leaves its run in its final state, not disconnected mid-compensation", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/inspect-websocket.ts"], {
      cwd: root,
      env: { ...process.env, INSPECTOR_URL: inspector.reportUrl },
    });
    const runId = /^run (\S+) ended failed/m.exec(stdout)?.[1];
    expect(runId, stdout).toBeDefined();
    // Read at once: the child has exited, so everything it reported has arrived or never will.
    expect(summaryOf(runId!)).toMatchObject({ status: "failed", state: "failed" });
  }, 30_000);

  it("stopReporter, as the page's snippet says, delivers every run's end before it returns", async () => {
    // The page's bundled script carries the snippet.
    expect(await (await fetch(inspector.url)).text()).toContain("await stopReporter(reporter);");
    for (let i = 0; i < 5; i++) {
      resetScenario();
      scenario.declineCards = i % 2 === 0;
      const reporter = createWebSocketInspector({ url: inspector.reportUrl });
      const result = await paymentFlow.run(order, { inspect: reporter.inspect });
      await stopReporter(reporter);
      expect(summaryOf(result.runId), `try ${i}`).toMatchObject({ status: result.status, state: result.status });
    }
  });

  it("gives up waiting for an inspector that is not there, after its timeout", async () => {
    const reporter = createWebSocketInspector({ url: "ws://127.0.0.1:9/" });
    const started = Date.now();
    await stopReporter(reporter, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
