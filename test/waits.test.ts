import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  FlowValidationError,
  SignalRefusedError,
  WaitTimeoutError,
  create,
  memoryStore,
  readFlowSnapshot,
  type RunStore,
} from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { renderRun } from "../src/cli/commands/runs-show.js";

/** Durable waits and sleeps (DESIGN §9): signals before, during and after a wait, deadlines, and exactly-once intake. */

const stores: RunStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function sqlite(file = "runs.db"): RunStore {
  const store = sqliteStore({ path: join(mkdtempSync(join(tmpdir(), "orchestrix-waits-")), file) });
  stores.push(store);
  return store;
}

const Payment = z.object({ chargeId: z.string().startsWith("ch_") });

/** reserve → wait for payment → confirm (with the payment's id); `log` records what ran. */
function orderFlow(log: string[], wait: { timeoutMs?: number; onTimeout?: "fail" | "continue" } = {}) {
  return create<{ orderId: string }>("order")
    .step("reserve", (ctx) => (log.push(`reserve ${ctx.input.orderId}`), "r1"), { compensate: () => void log.push("release") })
    .waitFor("payment-confirmed", { schema: Payment, ...wait })
    .step("confirm", (ctx) => (log.push(`confirm ${ctx.outputs["payment-confirmed"]?.chargeId ?? "none"}`), "done"));
}

/** Resolves once the run's record in `store` shows `step` waiting. */
async function untilWaiting(store: RunStore, runId: string, step: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const record = await store.load(runId);
    const reading = record && readFlowSnapshot(record.snapshot);
    if (reading?.ok && reading.snapshot.context.steps[step]?.status === "waiting") return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`run ${runId} never waited at ${step}`);
}

describe.each([
  ["memory", () => memoryStore()],
  ["SQLite", () => sqlite()],
])("a wait for a signal, with the %s store", (_, makeStore) => {
  it("takes a signal sent while it waits, and goes on with its validated payload as the step's output", async () => {
    const store = makeStore();
    const log: string[] = [];
    const flow = orderFlow(log);
    const handle = flow.start({ orderId: "A-1" }, { store, runId: "during" });
    await untilWaiting(store, "during", "payment-confirmed");
    expect(log).toEqual(["reserve A-1"]);
    const receipt = await flow.signal("during", "payment-confirmed", { chargeId: "ch_1" }, { store, signalId: "evt_1" });
    expect(receipt).toEqual({ signalId: "evt_1", duplicate: false });
    const result = await handle.result;
    expect(result.status).toBe("completed");
    expect(result.outputs["payment-confirmed"]).toEqual({ chargeId: "ch_1" });
    expect(log).toEqual(["reserve A-1", "confirm ch_1"]);
    // Taken in by the save that recorded the wait done: nothing is left to hand out again.
    expect(await store.signals("during")).toEqual([]);
    const stored = readFlowSnapshot((await store.load("during"))?.snapshot);
    expect(stored.ok && stored.snapshot.context.steps["payment-confirmed"]).toMatchObject({ status: "completed", signalId: "evt_1" });
  });

  it("keeps a signal sent before the run reaches the wait, and takes it there", async () => {
    const store = makeStore();
    const log: string[] = [];
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (release = resolve));
    const flow = create<{ orderId: string }>("order")
      .step("reserve", async () => {
        await reached;
        log.push("reserve");
      })
      .waitFor("payment-confirmed", { schema: Payment })
      .step("confirm", (ctx) => void log.push(`confirm ${ctx.outputs["payment-confirmed"].chargeId}`));
    const handle = flow.start({ orderId: "A-2" }, { store, runId: "before" });
    await handle.signal("payment-confirmed", { chargeId: "ch_early" }, { signalId: "early" });
    expect(log).toEqual([]);
    release();
    const result = await handle.result;
    expect(result.status).toBe("completed");
    expect(log).toEqual(["reserve", "confirm ch_early"]);
    expect(await store.signals("before")).toEqual([]);
  });

  it("records a repeated signal id once, and only the first payload counts", async () => {
    const store = makeStore();
    const log: string[] = [];
    const flow = orderFlow(log);
    const handle = flow.start({ orderId: "A-3" }, { store, runId: "twice" });
    await untilWaiting(store, "twice", "payment-confirmed");
    const [first, second] = await Promise.all([
      flow.signal("twice", "payment-confirmed", { chargeId: "ch_first" }, { store, signalId: "evt" }),
      flow.signal("twice", "payment-confirmed", { chargeId: "ch_second" }, { store, signalId: "evt" }),
    ]);
    expect([first.duplicate, second.duplicate].sort()).toEqual([false, true]);
    const result = await handle.result;
    expect(result.outputs["payment-confirmed"]).toEqual({ chargeId: "ch_first" });
    expect(log.filter((line) => line.startsWith("confirm"))).toEqual(["confirm ch_first"]);
  });

  it("refuses an invalid payload at send time and stores nothing", async () => {
    const store = makeStore();
    const flow = orderFlow([]);
    const handle = flow.start({ orderId: "A-4" }, { store, runId: "invalid" });
    await untilWaiting(store, "invalid", "payment-confirmed");
    const refused = flow.signal("invalid", "payment-confirmed", { chargeId: 42 } as never, { store });
    await expect(refused).rejects.toBeInstanceOf(FlowValidationError);
    await expect(refused).rejects.toThrow(/Invalid payload for wait "payment-confirmed" of flow "order":\n {2}- chargeId: /);
    expect(await store.signals("invalid")).toEqual([]);
    handle.cancel("test over");
    expect((await handle.result).status).toBe("cancelled");
  });

  it("refuses an unknown wait, an unknown run, a finished run, and a signal after the wait timed out", async () => {
    const store = makeStore();
    const log: string[] = [];
    const flow = orderFlow(log, { timeoutMs: 150 });
    await expect(flow.signal("nobody", "payment-confirmed", { chargeId: "ch_1" }, { store })).rejects.toThrow(
      /Signal for run "nobody" of flow "order" refused: no run with this id is stored. Nothing was stored/,
    );
    await expect(flow.signal("nobody", "payment-confirmd" as never, { chargeId: "ch_1" } as never, { store })).rejects.toThrow(
      /no wait named "payment-confirmd" \(its waits: payment-confirmed\)/,
    );
    const result = await flow.run({ orderId: "A-5" }, { store, runId: "late" });
    expect(result.status).toBe("failed");
    await expect(flow.signal("late", "payment-confirmed", { chargeId: "ch_1" }, { store })).rejects.toThrow(/it has ended \(failed\)/);
    expect(await store.signals("late")).toEqual([]);
  });
});

describe("a wait's deadline", () => {
  it("fails the wait with WaitTimeoutError at its deadline, and the flow compensates", async () => {
    const store = sqlite();
    const log: string[] = [];
    const started = Date.now();
    const result = await orderFlow(log, { timeoutMs: 300 }).run({ orderId: "T-1" }, { store, runId: "times-out" });
    const elapsed = Date.now() - started;
    expect(result.status).toBe("failed");
    expect(result.status === "failed" && result.error).toBeInstanceOf(WaitTimeoutError);
    expect(result.status === "failed" && (result.error as WaitTimeoutError).code).toBe("WAIT_TIMEOUT");
    expect(log).toEqual(["reserve T-1", "release"]);
    expect(result.steps.map((step) => [step.name, step.status])).toEqual([
      ["reserve", "compensated"],
      ["payment-confirmed", "failed"],
      ["confirm", "skipped"],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    // Refused once the wait is over, while the run is still going (here it has ended too).
    await expect(orderFlow([]).signal("times-out", "payment-confirmed", { chargeId: "ch_late" }, { store })).rejects.toBeInstanceOf(SignalRefusedError);
  });

  it('with onTimeout: "continue" goes on with undefined as the output', async () => {
    const log: string[] = [];
    const result = await orderFlow(log, { timeoutMs: 100, onTimeout: "continue" }).run({ orderId: "T-2" });
    expect(result.status).toBe("completed");
    expect(result.outputs["payment-confirmed"]).toBeUndefined();
    expect(log).toEqual(["reserve T-2", "confirm none"]);
  });

  it("refuses a signal sent to a live run past its wait, with no store", async () => {
    const log: string[] = [];
    const flow = orderFlow(log, { timeoutMs: 50, onTimeout: "continue" }).step("hold", () => new Promise((resolve) => setTimeout(resolve, 300)));
    const handle = flow.start({ orderId: "T-3" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(handle.signal("payment-confirmed", { chargeId: "ch_1" })).rejects.toThrow(/its wait "payment-confirmed" is over \(it timed out and went on\)/);
    expect((await handle.result).status).toBe("completed");
  });
});

describe("a run without a store", () => {
  it("takes a signal handed to it in this process (flow.signal finds the live run)", async () => {
    const log: string[] = [];
    const flow = orderFlow(log);
    const handle = flow.start({ orderId: "L-1" }, { runId: "live-only" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await flow.signal("live-only", "payment-confirmed", { chargeId: "ch_live" });
    expect((await handle.result).outputs["payment-confirmed"]).toEqual({ chargeId: "ch_live" });
    await expect(flow.signal("live-only", "payment-confirmed", { chargeId: "ch_live" })).rejects.toThrow(
      /no store was given .* and the run is not live in this process/,
    );
  });
});

describe("signals from another process", () => {
  it("reach a run waiting in this one through the shared SQLite file within a second", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "orchestrix-waits-")), "shared.db");
    const mine = sqliteStore({ path });
    const theirs = sqliteStore({ path });
    stores.push(mine, theirs);
    const flow = orderFlow([]);
    const handle = flow.start({ orderId: "X-1" }, { store: mine, runId: "cross" });
    await untilWaiting(mine, "cross", "payment-confirmed");
    const sent = Date.now();
    // `theirs` is not the store this run is live on: only the store carries the signal over.
    await flow.signal("cross", "payment-confirmed", { chargeId: "ch_far" }, { store: theirs });
    const result = await handle.result;
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(result.outputs["payment-confirmed"]).toEqual({ chargeId: "ch_far" });
    expect(await theirs.signals("cross")).toEqual([]);
  });
});

describe("a durable sleep", () => {
  it("sleeps for `ms`, or until a deadline computed from the run when it gets there", async () => {
    const store = sqlite();
    const flow = create<{ wakeInMs: number }>("nap")
      .step("before", () => Date.now())
      .sleep("short", { ms: 120 })
      .sleep("computed", { until: (ctx) => ctx.outputs.before + ctx.input.wakeInMs })
      .step("after", () => Date.now());
    const result = await flow.run({ wakeInMs: 400 }, { store });
    expect(result.status).toBe("completed");
    const slept = (result.outputs.after as number) - (result.outputs.before as number);
    expect(slept).toBeGreaterThanOrEqual(395);
    expect(slept).toBeLessThan(1_500);
    expect(result.steps.map((step) => step.status)).toEqual(["completed", "completed", "completed", "completed"]);
  });

  it("is cancelled like a step: the flow compensates", async () => {
    const log: string[] = [];
    const flow = create("nap")
      .step("book", () => void log.push("book"), { compensate: () => void log.push("unbook") })
      .sleep("cool-off", { ms: 60_000 })
      .step("never", () => void log.push("never"));
    const handle = flow.start(null);
    await new Promise((resolve) => setTimeout(resolve, 50));
    handle.cancel("changed my mind");
    const result = await handle.result;
    expect(result.status).toBe("cancelled");
    expect(log).toEqual(["book", "unbook"]);
  });
});

describe("what a waiting run looks like", () => {
  it("names readable states in the machine, Mermaid and JSON", () => {
    const flow = orderFlow([], { timeoutMs: 1_000 }).sleep("cool-off", { ms: 10 });
    const mermaid = flow.toMermaid();
    expect(mermaid).toContain("waiting");
    expect(mermaid).toContain("sleeping");
    const json = JSON.stringify(flow.toJSON());
    expect(json).toContain('"payment-confirmed"');
    expect(json).toContain('"waiting"');
    expect(json).toContain("Waits for the signal");
  });

  it("lists the wait as the current step, and runs show says what it waits for and until when", async () => {
    const store = sqlite();
    const flow = orderFlow([], { timeoutMs: 60_000 });
    const handle = flow.start({ orderId: "S-1" }, { store, runId: "shown" });
    await untilWaiting(store, "shown", "payment-confirmed");
    const record = await store.load("shown");
    expect(record?.currentStep).toBe("payment-confirmed (waiting for its signal)");
    const text = renderRun(record!, Date.now());
    expect(text).toMatch(/Waiting +waiting for payment-confirmed until \d{4}-\d\d-\d\dT\d\d:\d\d/);
    handle.cancel();
    await handle.result;
  });
});

describe("hooks of a wait", () => {
  it("onStepFail hears the WaitTimeoutError of a wait that timed out", async () => {
    const failures: unknown[] = [];
    const flow = create("hooked", { hooks: { onStepFail: (event) => void failures.push(event.error) } }).waitFor("never", { timeoutMs: 30 });
    expect((await flow.run(null)).status).toBe("failed");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(WaitTimeoutError);
  });
});
