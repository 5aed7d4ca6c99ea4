import { describe, expect, it } from "vitest";
import { create, memoryStore, RunHandedBackError } from "orchestrix";

/**
 * Handing a run back at a transition boundary: no step function is cut off, the snapshot of the
 * boundary is saved, the run is released, and whoever resumes it goes on from there. Parking is
 * the same hand-back, chosen by the run itself when all it does is wait for a long retry.
 */

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A step that waits until released, so a test can act while it is in flight. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  return { open, opened, inside, entered };
}

describe("hand-back", () => {
  it("lets the step in flight finish, starts no further step, saves and releases the run; resume goes on from there", async () => {
    const store = memoryStore();
    const calls: string[] = [];
    const first = gate();
    const flow = create("hand-back-steps")
      .step("a", async () => {
        calls.push("a");
        first.entered();
        await first.opened;
        return "a-done";
      })
      .step("b", () => void calls.push("b"))
      .step("c", () => void calls.push("c"));
    const controller = new AbortController();
    const running = flow.run(undefined, { store, runId: "hb-1", handBack: controller.signal });
    await first.inside;
    controller.abort();
    first.open();
    const error = await running.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunHandedBackError);
    expect((error as RunHandedBackError).wakeAt).toBeUndefined();
    expect(calls).toEqual(["a"]);
    const stored = await store.load("hb-1");
    expect(stored).toMatchObject({ status: "running", owner: null, leaseUntil: null });

    const result = await flow.resume("hb-1", { store });
    expect(result.status).toBe("completed");
    expect(result.outputs).toMatchObject({ a: "a-done" });
    expect(calls).toEqual(["a", "b", "c"]);
    // The step that was about to start when the run was handed back counts one attempt, not two.
    expect(result.steps.map((step) => step.attempts)).toEqual([1, 1, 1]);
  });

  it("waits for every parallel branch in flight before it hands the run back", async () => {
    const store = memoryStore();
    const slow = gate();
    const ended: string[] = [];
    const flow = create("hand-back-parallel").parallel("both", [
      { name: "fast", fn: async () => void ended.push("fast") },
      {
        name: "slow",
        fn: async () => {
          slow.entered();
          await slow.opened;
          ended.push("slow");
        },
      },
    ]).step("after", () => void ended.push("after"));
    const controller = new AbortController();
    const running = flow.run(undefined, { store, runId: "hb-2", handBack: controller.signal });
    await slow.inside;
    controller.abort();
    let settled = false;
    void running.catch(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false); // "slow" is still executing: not a boundary yet
    slow.open();
    await expect(running).rejects.toThrow(RunHandedBackError);
    expect(ended.sort()).toEqual(["fast", "slow"]);
    expect((await flow.resume("hb-2", { store })).status).toBe("completed");
    expect(ended).toContain("after");
  });

  it("hands back a run waiting for a retry at once, saying when it has something to do again", async () => {
    const store = memoryStore();
    let attempts = 0;
    const flow = create("hand-back-waiting").step(
      "flaky",
      () => {
        if (++attempts === 1) throw new Error("transient");
        return "ok";
      },
      { retries: 1, retryDelayMs: 60_000 },
    );
    const controller = new AbortController();
    const before = Date.now();
    const running = flow.run(undefined, { store, runId: "hb-3", handBack: controller.signal });
    await until(async () => (await store.load("hb-3"))?.currentStep === "flaky (waiting to retry)");
    controller.abort();
    const error = await running.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunHandedBackError);
    const wakeAt = (error as RunHandedBackError).wakeAt ?? 0;
    expect(wakeAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(wakeAt).toBeLessThan(Date.now() + 60_000);
    expect(await store.load("hb-3")).toMatchObject({ status: "running", owner: null });
    expect(attempts).toBe(1);
  });

  it("does not park on a store with no queue to wake the run: it waits in memory", async () => {
    const store = memoryStore();
    let attempts = 0;
    const flow = create("hand-back-no-queue").step(
      "flaky",
      () => {
        if (++attempts === 1) throw new Error("transient");
      },
      { retries: 1, retryDelayMs: 200 },
    );
    expect((await flow.run(undefined, { store, runId: "hb-5", parkAfterMs: 50 })).status).toBe("completed");
    expect(attempts).toBe(2);
  });
});
