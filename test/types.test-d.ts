import { describe, expectTypeOf, it } from "vitest";
import { create, type FlowResult } from "orchestrix";
import { z } from "zod";

const Order = z.object({ orderId: z.string(), amount: z.number() });

describe("builder types", () => {
  it("types ctx.input from the schema or the explicit generic", () => {
    create("t", { schema: Order }).step("a", (ctx) => {
      expectTypeOf(ctx.input).toEqualTypeOf<{ orderId: string; amount: number }>();
    });
    create<{ id: number }>("t").step("a", (ctx) => {
      expectTypeOf(ctx.input.id).toEqualTypeOf<number>();
    });
  });

  it("accumulates step outputs in the generics, typed in later steps", () => {
    create("t", { schema: Order })
      .step("reserve-stock", async () => ({ reservationIds: ["r1"] }))
      .step("charge", async (ctx) => {
        expectTypeOf(ctx.outputs["reserve-stock"].reservationIds).toEqualTypeOf<string[]>();
        return 42;
      })
      .step("confirm", (ctx) => {
        expectTypeOf(ctx.outputs.charge).toEqualTypeOf<number>();
        // @ts-expect-error a misspelled step name does not compile
        void ctx.outputs["reserv-stock"];
      });
  });

  it("types parallel branch outputs by branch name", () => {
    create("t")
      .step("a", () => "x")
      .parallel("notify", [
        { name: "email", fn: async (ctx) => ctx.outputs.a.length },
        { name: "sms", fn: async () => true },
      ])
      .step("after", (ctx) => {
        expectTypeOf(ctx.outputs.email).toEqualTypeOf<number>();
        expectTypeOf(ctx.outputs.sms).toEqualTypeOf<boolean>();
      });
  });

  it("gives the compensation the step's own output and the error", () => {
    create("t").step("a", () => ({ id: 1 }), {
      compensate: (ctx) => {
        expectTypeOf(ctx.outputs.a.id).toEqualTypeOf<number>();
        expectTypeOf(ctx.error).toEqualTypeOf<unknown>();
      },
    });
  });

  it("refuses a duplicate step name at compile time", () => {
    // @ts-expect-error "a" is already used
    create("t").step("a", () => 1).step("a", () => 2);
  });

  it("types run() input and the result as a union on status", async () => {
    const flow = create("t", { schema: Order }).step("a", () => ({ ok: true }));
    // @ts-expect-error amount is missing
    void flow.run({ orderId: "x" });
    const result = await flow.run({ orderId: "x", amount: 1 });
    expectTypeOf(result).toEqualTypeOf<FlowResult<{ a: { ok: boolean } }>>();
    if (result.status === "completed") expectTypeOf(result.outputs.a.ok).toEqualTypeOf<boolean>();
    else expectTypeOf(result.outputs.a).toEqualTypeOf<{ ok: boolean } | undefined>();
  });

  it("types enqueue() input like run(), and result() like run()'s result", () => {
    const flow = create("t", { schema: Order }).step("a", () => ({ ok: true }));
    // @ts-expect-error amount is missing
    void flow.enqueue({ orderId: "x" }, { runId: "r" });
    expectTypeOf(flow.enqueue({ orderId: "x", amount: 1 }, { runId: "r" })).resolves.toEqualTypeOf<{ runId: string }>();
    expectTypeOf(flow.result("r", { timeoutMs: 1_000 })).resolves.toEqualTypeOf<FlowResult<{ a: { ok: boolean } }>>();
  });
});

describe("wait, sleep and child types", () => {
  const Payment = z.object({ chargeId: z.string(), amount: z.coerce.number() });
  const shipping = create<{ orderId: string }>("ship").step("label", () => ({ tracking: "T1" }));
  const order = create("order", { schema: Order })
    .step("reserve-stock", () => ["r1"])
    .waitFor("payment-confirmed", { schema: Payment, timeoutMs: 60_000 })
    .waitFor("approved", { timeoutMs: 1_000, onTimeout: "continue" })
    .sleep("cool-off", { ms: 60_000 })
    .sleep("until", { until: (ctx) => ctx.input.amount })
    .child("ship", shipping, { input: (ctx) => ({ orderId: ctx.input.orderId }) })
    .step("confirm", (ctx) => {
      expectTypeOf(ctx.outputs["payment-confirmed"]).toEqualTypeOf<{ chargeId: string; amount: number }>();
      expectTypeOf(ctx.outputs.approved).toEqualTypeOf<unknown>();
      expectTypeOf(ctx.outputs.ship.label).toEqualTypeOf<{ tracking: string }>();
      // @ts-expect-error a sleep has no output
      void ctx.outputs["cool-off"];
    });

  it("types a wait's output from its schema (undefined is possible with onTimeout: continue)", () => {
    create("t")
      .waitFor("maybe", { schema: Payment, onTimeout: "continue", timeoutMs: 10 })
      .step("after", (ctx) => {
        expectTypeOf(ctx.outputs.maybe).toEqualTypeOf<{ chargeId: string; amount: number } | undefined>();
      });
  });

  it("types signal() by wait name and payload (the schema's input type)", () => {
    void order.signal("run-1", "payment-confirmed", { chargeId: "ch_1", amount: "12" });
    void order.signal("run-1", "approved", { anything: true });
    // @ts-expect-error a misspelled wait name does not compile
    void order.signal("run-1", "payment-confirmd", { chargeId: "ch_1", amount: 1 });
    // @ts-expect-error the payload must match the wait's schema
    void order.signal("run-1", "payment-confirmed", { chargeId: 1 });
    // @ts-expect-error a step is not a wait
    void order.signal("run-1", "reserve-stock", {});
    const handle = order.start({ orderId: "o", amount: 1 });
    void handle.signal("payment-confirmed", { chargeId: "ch_1", amount: 1 });
    // @ts-expect-error a misspelled wait name does not compile on a handle either
    void handle.signal("aproved", {});
    // @ts-expect-error a flow without waits takes no signal
    void shipping.signal("run-1", "label", {});
  });

  it("needs the child's input type from the parent's context", () => {
    // @ts-expect-error the child's input must match its flow's input type
    create<{ id: number }>("p").child("ship", shipping, { input: (ctx) => ({ orderId: ctx.input.id }) });
  });
});
