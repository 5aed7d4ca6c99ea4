import { describe, expect, it } from "vitest";
import { create, idleView, NonRetryableError, readFlowSnapshot, runView, type RunView } from "orchestrix";

const statuses = (view: RunView) => Object.fromEntries(view.steps.map((step) => [step.name, step.status]));

describe("runView", () => {
  it("lists every step pending with its attempt budget before a run starts, parallel branches in place of their group", () => {
    const flow = create<{}>("view-idle")
      .step("reserve", async () => ({}), { retries: 2 })
      .parallel("notify", [
        { name: "email", fn: async () => ({}) },
        { name: "sms", fn: async () => ({}), options: { retries: 4 } },
      ]);
    expect(idleView(flow)).toEqual({
      runId: null,
      flow: "view-idle",
      status: "idle",
      steps: [
        { name: "reserve", status: "pending", attempts: 0, maxAttempts: 3 },
        { name: "email", status: "pending", attempts: 0, maxAttempts: 1, group: "notify" },
        { name: "sms", status: "pending", attempts: 0, maxAttempts: 5, group: "notify" },
      ],
      currentSteps: [],
      outputs: {},
      error: null,
      result: null,
    });
  });

  it("shows an undo in progress as compensating, then a failed undo as compensation_failed, with the undo's own attempts", async () => {
    let undo!: () => void;
    const undoing = new Promise<void>((resolve) => (undo = resolve));
    const flow = create<{}>("view-undo")
      .step("reserve", async () => ({}), {
        compensate: async () => {
          await undoing;
          throw new Error("inventory down");
        },
        compensation: { retries: 1 },
      })
      .step("pay", async () => {
        throw new NonRetryableError("declined");
      })
      .step("ship", async () => ({}));
    const handle = flow.start({});
    await new Promise<void>((resolve) => {
      const subscription = handle.actor.subscribe((snapshot) => {
        if (snapshot.context.compensations["reserve"]?.status === "running") {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    const during = runView(handle.actor.getSnapshot(), flow);
    expect(during.status).toBe("running");
    expect(statuses(during)).toEqual({ reserve: "compensating", pay: "failed", ship: "pending" });
    expect(during.currentSteps).toEqual(["reserve"]);
    expect(during.steps[0]).toMatchObject({ attempts: 1, maxAttempts: 2 });

    undo();
    const result = await handle.result;
    expect(result.status).toBe("compensation_failed");
    const after = runView(handle.actor.getSnapshot(), flow);
    expect(statuses(after)).toEqual({ reserve: "compensation_failed", pay: "failed", ship: "skipped" });
    expect(after.steps[0]).toMatchObject({ attempts: 2, error: { message: "inventory down" } });
    expect(after.error).toMatchObject({ message: "declined" });
    expect(after.result?.status).toBe("compensation_failed");
  });

  it("builds the same view from a stored snapshot as from the live actor", async () => {
    const flow = create<{ n: number }>("view-stored")
      .step("double", async (ctx) => ({ value: ctx.input.n * 2 }))
      .step("log", async () => ({}));
    const handle = flow.start({ n: 21 });
    await handle.result;
    const stored = readFlowSnapshot(JSON.parse(JSON.stringify(handle.actor.getPersistedSnapshot())));
    if (!stored.ok) throw new Error(stored.problem);
    const live = runView(handle.actor.getSnapshot());
    expect(runView(stored.snapshot)).toEqual(live);
    expect(live).toMatchObject({ status: "completed", outputs: { double: { value: 42 } }, currentSteps: [] });
    // Without the flow there is no attempt budget to show.
    expect(live.steps.every((step) => step.maxAttempts === undefined)).toBe(true);
  });
});
