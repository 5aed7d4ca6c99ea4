import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { create, memoryStore, NonRetryableError, type RunStore } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { paymentFlow } from "../examples/payment-flow.js";
import { resetScenario, scenario } from "../examples/services.js";
import { activeStateIds, layoutMachine, renderSvg, runPath } from "../src/inspector/index.js";
import { cli } from "./helpers/cli.js";

const order = { orderId: "ORD-123", items: [{ sku: "LAPTOP-01", qty: 1 }], amount: 1200, userId: "user_99" };

beforeEach(() => resetScenario());

async function contextOf(store: RunStore, runId: string): Promise<{ value: unknown; context: unknown }> {
  const record = await store.load(runId);
  const snapshot = record!.snapshot as { value: unknown; context: unknown };
  return { value: snapshot.value, context: snapshot.context };
}

/** The marks of the payment saga's step and undo boxes, by short id. */
async function marksOf(runId: string, setup: () => void): Promise<Record<string, string>> {
  const store = memoryStore();
  setup();
  await paymentFlow.run(order, { runId, store });
  const { context } = await contextOf(store, runId);
  const layout = await layoutMachine(paymentFlow.toJSON());
  const marks = runPath("payment-saga", layout.states.map((state) => state.id), context);
  return Object.fromEntries(Object.entries(marks).map(([id, mark]) => [id.replace(/^payment-saga\./, ""), mark]));
}

describe("a run's path on its machine", () => {
  it("marks every step of a completed run completed", async () => {
    const marks = await marksOf("ok", () => {});
    for (const step of ["reserve-stock", "process-payment", "confirm-order", "send-email"]) {
      expect(marks[`steps.${step}`]).toBe("completed");
      expect(marks[`steps.${step}.running`]).toBe("completed");
    }
    expect(Object.keys(marks).some((id) => id.startsWith("compensating"))).toBe(false);
  });

  it("marks a declined card: the failed step red, the undone one compensated, the rest skipped", async () => {
    const marks = await marksOf("declined", () => (scenario.declineCards = true));
    expect(marks).toMatchObject({
      "steps.reserve-stock": "compensated",
      "steps.process-payment": "failed",
      "steps.confirm-order": "skipped",
      "steps.send-email": "skipped",
      "compensating.reserve-stock": "compensated",
      "compensating.reserve-stock.running": "compensated",
    });
  });

  it("marks a parallel group whose branch failed: that branch and the group red, the others undone, the rest skipped", async () => {
    const store = memoryStore();
    const fan = create("fan-fail")
      .step("reserve", () => 1, { compensate: () => {} })
      .parallel("notify", [
        { name: "email", fn: () => 2, options: { compensate: () => {} } },
        { name: "sms", fn: () => { throw new NonRetryableError("sms down"); } },
        { name: "hook", fn: () => 3, options: { compensate: () => {} } },
      ])
      .step("finish", () => 4);
    expect((await fan.run(null, { runId: "fan", store })).status).toBe("failed");
    const { context } = await contextOf(store, "fan");
    const layout = await layoutMachine(fan.toJSON());
    const marks = runPath("fan-fail", layout.states.map((state) => state.id), context);
    expect(marks).toMatchObject({
      "fan-fail.steps.reserve": "compensated",
      "fan-fail.steps.notify": "failed",
      "fan-fail.steps.notify.sms": "failed",
      "fan-fail.steps.notify.sms.running": "failed",
      "fan-fail.steps.notify.email": "compensated",
      "fan-fail.steps.notify.hook": "compensated",
      "fan-fail.steps.finish": "skipped",
      "fan-fail.compensating.email": "compensated",
      "fan-fail.compensating.hook": "compensated",
      "fan-fail.compensating.reserve": "compensated",
    });
  });

  it("marks an undo that failed after its retries as compensation_failed", async () => {
    const marks = await marksOf("undo-failed", () => Object.assign(scenario, { declineCards: true, failRelease: true }));
    expect(marks).toMatchObject({
      "steps.reserve-stock": "compensation_failed",
      "steps.process-payment": "failed",
      "compensating.reserve-stock": "compensation_failed",
    });
  }, 20_000);

  it("marks what a plain machine's snapshots visited, and nothing it did not", () => {
    const marks = runPath("m", ["m", "m.a", "m.b", "m.c"], { any: 1 }, ["m", "m.a", "m.b"]);
    expect(marks).toEqual({ m: "visited", "m.a": "visited", "m.b": "visited" });
  });

  it("renders the marks as classes, with the state where the run ended outlined", async () => {
    const store = memoryStore();
    scenario.declineCards = true;
    await paymentFlow.run(order, { runId: "drawn", store });
    const { value, context } = await contextOf(store, "drawn");
    const layout = await layoutMachine(paymentFlow.toJSON());
    const svg = renderSvg(layout, activeStateIds("payment-saga", value), {
      marks: runPath("payment-saga", layout.states.map((state) => state.id), context),
    });
    expect(svg).toMatch(/class="[^"]*ox-mark-failed" data-state="payment-saga\.steps\.process-payment"/);
    expect(svg).toMatch(/class="[^"]*ox-mark-compensated" data-state="payment-saga\.steps\.reserve-stock"/);
    expect(svg).toMatch(/class="[^"]*ox-mark-skipped" data-state="payment-saga\.steps\.send-email"/);
    expect(svg).toMatch(/class="[^"]*ox-current[^"]*" data-state="payment-saga\.failed"/);
  });
});

describe("orchestrix export --run", () => {
  it("writes the SVG of a stored run with its path marked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orchestrix-run-svg-"));
    const db = join(dir, "runs.db");
    const store = sqliteStore({ path: db });
    scenario.declineCards = true;
    await paymentFlow.run(order, { runId: "pay-declined", store });
    await store.close();
    const { code, stdout, stderr } = await cli(["export", "examples/payment-flow.ts", "--run", "pay-declined", "--store", `sqlite:${db}`, "--out", dir]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("pay-declined.svg");
    const svg = readFileSync(join(dir, "pay-declined.svg"), "utf8");
    expect(svg).toMatch(/ox-mark-failed" data-state="payment-saga\.steps\.process-payment"/);
    expect(svg).toMatch(/ox-mark-compensated" data-state="payment-saga\.compensating\.reserve-stock"/);
    expect(svg).toContain("<title>payment-saga · pay-declined · failed</title>");
  }, 30_000);

  it("refuses --run without --store", async () => {
    // (`cli` leaves ORCHESTRIX_STORE out of the environment.)
    const failure = await cli(["export", "examples/payment-flow.ts", "--run", "x"]);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("--run x needs --store");
  }, 30_000);
});
