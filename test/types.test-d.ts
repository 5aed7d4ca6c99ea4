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
