import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { create } from "orchestrix";

describe("XState inspection", () => {
  it("passes `inspect` to XState: the run reports the generated machine, its events and snapshots", async () => {
    const events: InspectionEvent[] = [];
    const flow = create("inspected")
      .step("reserve", () => "r1", { compensate: () => {} })
      .step("charge", (ctx) => {
        if (ctx.attempt === 1) throw new Error("flaky");
      }, { retries: 1 });
    const result = await flow.run(null, { runId: "seen", inspect: (event) => events.push(event) });
    expect(result.status).toBe("completed");

    const root = events.find((e) => e.type === "@xstate.actor" && (e.actorRef as { id?: string }).id === "seen");
    expect(root).toBeDefined();
    const logic = (root!.actorRef as unknown as { logic: unknown }).logic;
    expect(logic).toBe(flow.machine);
    const definition = flow.machine.definition;
    expect(Object.keys(definition.states)).toEqual(["steps", "compensating", "completed", "failed", "cancelled", "compensation_failed"]);
    expect(Object.keys(definition.states["steps"]!.states)).toEqual(["reserve", "charge"]);

    const childIds = events.filter((e) => e.type === "@xstate.actor").map((e) => (e.actorRef as { id?: string }).id);
    expect(childIds).toEqual(["seen", "reserve", "charge", "charge:retry-wait", "charge"]);
    const values = events
      .filter((e): e is Extract<InspectionEvent, { type: "@xstate.snapshot" }> => e.type === "@xstate.snapshot" && e.actorRef === root!.actorRef)
      .map((e) => JSON.stringify((e.snapshot as unknown as { value: unknown }).value));
    expect(values).toEqual([
      '{"steps":{"reserve":"running"}}',
      '{"steps":{"charge":"running"}}',
      '{"steps":{"charge":"retrying"}}',
      '{"steps":{"charge":"running"}}',
      '"completed"',
    ]);
  });

  it("reaches an observer object as well as a function", async () => {
    let count = 0;
    await create("observed").step("a", () => 1).run(null, { inspect: { next: () => void count++ } });
    expect(count).toBeGreaterThan(3);
  });
});
