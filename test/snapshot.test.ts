import { afterEach, describe, expect, it, vi } from "vitest";
import { createActor, type Snapshot } from "xstate";
import { create } from "orchestrix";

afterEach(() => {
  vi.useRealTimers();
});

/** What must be equal between an interrupted and an uninterrupted run (ids and times differ). */
function comparable(output: unknown) {
  const result = output as { status: string; outputs: unknown; data: unknown; steps: { name: string; status: string }[] };
  return { status: result.status, outputs: result.outputs, data: result.data, steps: result.steps.map((s) => [s.name, s.status]) };
}

function waitForDone(actor: { subscribe: (o: { complete: () => void; error: (e: unknown) => void }) => unknown }) {
  return new Promise<void>((resolve, reject) => actor.subscribe({ complete: resolve, error: reject }));
}

describe("persisted snapshots", () => {
  it("createActor(flow.machine, { input }) runs the flow directly: the machine carries its steps", async () => {
    const flow = create("direct").step("a", (ctx) => ctx.input).step("b", (ctx) => ctx.outputs.a);
    const actor = createActor(flow.machine, { input: { n: 1 } });
    const done = waitForDone(actor);
    actor.start();
    await done;
    expect(actor.getSnapshot().output).toMatchObject({ status: "completed", outputs: { a: { n: 1 }, b: { n: 1 } } });
  });

  it("round-trips through JSON during a step and finishes with the same result as an uninterrupted run", async () => {
    const gates: (() => void)[] = [];
    const calls: string[] = [];
    const flow = create("mid-step")
      .step("a", (ctx) => {
        ctx.set("fromA", 1);
        calls.push("a");
        return "A";
      }, { compensate: () => {} })
      .step("b", async (ctx) => {
        calls.push(`b#${ctx.attempt}`);
        if (ctx.get("pause") !== false && gates.length === 0) await new Promise<void>((resolve) => gates.push(resolve));
        return `B after ${ctx.get<number>("fromA")}`;
      })
      .step("c", (ctx) => ctx.outputs.b.length);

    const reference = createActor(flow.machine, { input: null });
    const referenceDone = waitForDone(reference);
    reference.start();
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    gates.pop()!();
    await referenceDone;

    calls.length = 0;
    const first = createActor(flow.machine, { input: null });
    first.start();
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    const saved = JSON.stringify(first.getPersistedSnapshot());
    first.stop();

    const restored = createActor(flow.machine, { snapshot: JSON.parse(saved) as Snapshot<unknown> });
    const restoredDone = waitForDone(restored);
    restored.start();
    await restoredDone;
    // "a" completed before the snapshot and is not re-run; "b" was in flight and runs again (at-least-once).
    expect(calls).toEqual(["a", "b#1", "b#1"]);
    expect(comparable(restored.getSnapshot().output)).toEqual(comparable(reference.getSnapshot().output));
    expect(restored.getSnapshot().context.runId).toBe(first.getSnapshot().context.runId);
  });

  it("round-trips during a retry wait and keeps the remaining wait, not the whole delay", async () => {
    vi.useFakeTimers();
    const attemptsAt: number[] = [];
    const start = Date.now();
    const flow = create("mid-wait").step("flaky", () => {
      attemptsAt.push(Date.now() - start);
      if (attemptsAt.length === 1) throw new Error("transient");
      return "ok";
    }, { retries: 2, retryDelayMs: 3_000 });

    const first = createActor(flow.machine, { input: null });
    first.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(first.getSnapshot().value).toEqual({ steps: { flaky: "retrying" } });
    const saved = JSON.stringify(first.getPersistedSnapshot());
    first.stop();

    await vi.advanceTimersByTimeAsync(1_000); // the process is "down" for a second
    const restored = createActor(flow.machine, { snapshot: JSON.parse(saved) as Snapshot<unknown> });
    const done = waitForDone(restored);
    restored.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(attemptsAt).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(attemptsAt).toEqual([0, 3_000]);
    expect(restored.getSnapshot().output).toMatchObject({ status: "completed", outputs: { flaky: "ok" } });
  });

  it("round-trips during compensation and finishes the undo", async () => {
    const undone: string[] = [];
    let hold: (() => void) | undefined;
    const flow = create("mid-undo")
      .step("a", () => {}, { compensate: () => void undone.push("a") })
      .step("b", () => {}, {
        compensate: async () => {
          if (!hold && undone.length === 0) await new Promise<void>((resolve) => (hold = resolve));
          undone.push("b");
        },
      })
      .step("c", () => {
        throw new Error("c broke");
      });
    const first = createActor(flow.machine, { input: null });
    first.start();
    await vi.waitFor(() => expect(hold).toBeDefined());
    const saved = JSON.stringify(first.getPersistedSnapshot());
    first.stop();
    const restored = createActor(flow.machine, { snapshot: JSON.parse(saved) as Snapshot<unknown> });
    const done = waitForDone(restored);
    restored.start();
    await done;
    expect(undone).toEqual(["b", "a"]);
    expect(restored.getSnapshot().output).toMatchObject({ status: "failed", error: { message: "c broke" } });
  });
});
