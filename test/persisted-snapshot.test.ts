import { describe, expect, it } from "vitest";
import { create } from "orchestrix";
import { persistedSnapshot } from "../src/snapshot/persist.js";

/** A child run, invoked as a child actor of its parent. */
const shipping = create<{ orderId: string }>("persist-ship").step("label", () => "label-1").step("hand-over", () => "handed");

/** Writes, outputs, a retry wait, a sleep, a child run, a parallel group and a compensation: every shape a snapshot takes. */
const richFlow = (failAt: string | null) => {
  let attempts = 0;
  return create<{ order: string }>("persist-rich")
    .step("reserve", (ctx) => {
      ctx.set("reservation", { id: "r-1", items: [1, 2, 3] });
      return { reservationIds: ["r-1"] };
    }, { compensate: () => {} })
    .step("charge", () => {
      if (++attempts < 2) throw new Error("gateway timeout");
      return { transactionId: "t-1" };
    }, { retries: 2, retryDelayMs: 5, compensate: () => {} })
    .sleep("cool-off", { ms: 5 })
    .child("ship", shipping, { input: (ctx) => ({ orderId: ctx.input.order }) })
    .parallel("notify", [
      { name: "email", fn: () => "sent" },
      { name: "sms", fn: () => (failAt === "sms" ? Promise.reject(new Error("no signal")) : "sent") },
    ]);
};

describe("the persisted snapshot of a run", () => {
  it("is what actor.getPersistedSnapshot() returns, at every transition of completed and compensated runs", async () => {
    for (const failAt of [null, "sms"]) {
      const flow = richFlow(failAt);
      const handle = flow.start({ order: "o-1" });
      let seen = 0;
      handle.actor.subscribe((snapshot) => {
        expect(persistedSnapshot(flow.machine, snapshot)).toEqual(handle.actor.getPersistedSnapshot());
        seen++;
      });
      const result = await handle.result;
      expect(result.status).toBe(failAt ? "failed" : "completed");
      expect(seen).toBeGreaterThan(5);
    }
  });

  it("shares the context itself (no copy), so unchanged parts stay the same objects from save to save", () => {
    const flow = richFlow(null);
    const handle = flow.start({ order: "o-2" });
    const snapshot = handle.actor.getSnapshot();
    expect((persistedSnapshot(flow.machine, snapshot) as { context: unknown }).context).toBe(snapshot.context);
    handle.cancel();
  });
});
