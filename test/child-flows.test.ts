import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ChildFlowError, create, memoryStore, readFlowSnapshot, type RunStore } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";

/** `.child()`: a flow run as an invoked child actor of its parent (DESIGN §9). */

/** A shipping saga whose steps log what they do; `failAt` makes that step fail for good. */
function shipping(log: string[], failAt?: string) {
  const step = (name: string) => (ctx: { input: { orderId: string } }) => {
    log.push(`ship.${name} ${ctx.input.orderId}`);
    if (name === failAt) throw new Error(`${name} broke`);
    return `${name}-done`;
  };
  return create("shipping", { schema: z.object({ orderId: z.string() }) })
    .step("pack", step("pack"), { compensate: () => void log.push("ship.unpack") })
    .step("label", step("label"), { compensate: () => void log.push("ship.unlabel") })
    .step("handover", step("handover"));
}

function order(log: string[], child: ReturnType<typeof shipping>, failConfirm = false) {
  return create<{ orderId: string }>("order")
    .step("reserve", () => void log.push("reserve"), { compensate: () => void log.push("release") })
    .child("ship", child, { input: (ctx) => ({ orderId: ctx.input.orderId }) })
    .step("confirm", (ctx) => {
      log.push(`confirm ${ctx.outputs.ship.label}`);
      if (failConfirm) throw new Error("confirm broke");
    });
}

describe("a child flow", () => {
  it("runs as a child actor; its outputs are the step's output", async () => {
    const log: string[] = [];
    const result = await order(log, shipping(log)).run({ orderId: "o1" });
    expect(result.status).toBe("completed");
    expect(result.outputs.ship).toEqual({ pack: "pack-done", label: "label-done", handover: "handover-done" });
    expect(log).toEqual(["reserve", "ship.pack o1", "ship.label o1", "ship.handover o1", "confirm label-done"]);
  });

  it("that fails compensates its own steps first, then the parent compensates", async () => {
    const log: string[] = [];
    const result = await order(log, shipping(log, "handover")).run({ orderId: "o2" });
    expect(result.status).toBe("failed");
    expect(log).toEqual(["reserve", "ship.pack o2", "ship.label o2", "ship.handover o2", "ship.unlabel", "ship.unpack", "release"]);
    const error = result.status === "failed" ? result.error : undefined;
    expect(error).toBeInstanceOf(ChildFlowError);
    expect((error as ChildFlowError).message).toBe('Child flow "shipping" of step "ship" ended failed: handover broke');
    expect(result.steps.map((step) => [step.name, step.status])).toEqual([
      ["reserve", "compensated"],
      ["ship", "failed"],
      ["confirm", "skipped"],
    ]);
  });

  it("that completed is undone, newest step first, when a later parent step fails", async () => {
    const log: string[] = [];
    const result = await order(log, shipping(log), true).run({ orderId: "o3" });
    expect(result.status).toBe("failed");
    expect(log).toEqual([
      "reserve",
      "ship.pack o3",
      "ship.label o3",
      "ship.handover o3",
      "confirm label-done",
      "ship.unlabel",
      "ship.unpack",
      "release",
    ]);
    expect(result.steps.map((step) => [step.name, step.status])).toEqual([
      ["reserve", "compensated"],
      ["ship", "compensated"],
      ["confirm", "failed"],
    ]);
  });

  it("is cancelled with its parent: it undoes its own completed steps, then the parent undoes its own", async () => {
    const log: string[] = [];
    let started!: () => void;
    const labelling = new Promise<void>((resolve) => (started = resolve));
    const slowChild = create<{ orderId: string }>("shipping")
      .step("pack", () => void log.push("ship.pack"), { compensate: () => void log.push("ship.unpack") })
      .step("label", (ctx) => {
        started();
        return new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))));
      });
    const handle = create<{ orderId: string }>("order")
      .step("reserve", () => void log.push("reserve"), { compensate: () => void log.push("release") })
      .child("ship", slowChild, { input: (ctx) => ctx.input })
      .step("never", () => void log.push("never"))
      .start({ orderId: "o4" });
    await labelling;
    handle.cancel("customer left");
    const result = await handle.result;
    expect(result.status).toBe("cancelled");
    expect(log).toEqual(["reserve", "ship.pack", "ship.unpack", "release"]);
  });

  it("with an input its schema refuses fails the step (nothing of the child runs), and the parent compensates", async () => {
    const log: string[] = [];
    const result = await create<{ orderId: number }>("order")
      .step("reserve", () => void log.push("reserve"), { compensate: () => void log.push("release") })
      .child("ship", shipping(log), { input: (ctx) => ({ orderId: ctx.input.orderId as unknown as string }) })
      .run({ orderId: 7 });
    expect(result.status).toBe("failed");
    expect(log).toEqual(["reserve", "release"]);
    expect(result.status === "failed" && String(result.error)).toMatch(/Invalid input for flow "shipping"/);
  });

  it("is saved inside its parent's snapshot after each of its own transitions, and the parent resumes from there", async () => {
    const store: RunStore = sqliteStore({ path: join(mkdtempSync(join(tmpdir(), "orchestrix-child-")), "runs.db") });
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = create<{ orderId: string }>("shipping")
      .step("pack", () => void log.push("pack"))
      .step("label", async () => {
        log.push("label");
        await gate;
        return "L";
      });
    const flow = create<{ orderId: string }>("order").child("ship", gated, { input: (ctx) => ctx.input });
    const handle = flow.start({ orderId: "o5" }, { store, runId: "nested" });
    for (let i = 0; i < 200 && !log.includes("label"); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const saved = (await store.load("nested"))?.snapshot as { children?: Record<string, { snapshot: { value: unknown; context: { runId: string } } }> };
    const child = saved.children?.ship?.snapshot;
    expect(child?.value).toEqual({ steps: { label: "running" } });
    expect(child?.context.runId).toBe("nested/ship");
    release();
    expect((await handle.result).outputs.ship).toEqual({ pack: undefined, label: "L" });
    const done = readFlowSnapshot((await store.load("nested"))?.snapshot);
    expect(done.ok && done.snapshot.status).toBe("done");
    await store.close();
  });

  it("works on the memory store too (its own run id is <parent>/<step>)", async () => {
    const ids: string[] = [];
    const child = create("inner").step("who", (ctx) => void ids.push(ctx.runId, ctx.idempotencyKey));
    await create("outer").child("inner-run", child, { input: () => null }).run(null, { store: memoryStore(), runId: "p1" });
    expect(ids).toEqual(["p1/inner-run", "p1/inner-run:who"]);
  });
});
