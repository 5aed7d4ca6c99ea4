import { afterEach, describe, expect, it, vi } from "vitest";
import { create } from "orchestrix";

afterEach(() => {
  vi.useRealTimers();
});

const fail = (message: string) => () => {
  throw new Error(message);
};

describe("compensation", () => {
  it("undoes completed steps newest first and never the failed step or steps that never ran", async () => {
    const log: string[] = [];
    const step = (name: string) => [
      name,
      () => {
        log.push(`run ${name}`);
      },
      { compensate: () => void log.push(`undo ${name}`) },
    ] as const;
    const flow = create("saga")
      .step(...step("a"))
      .step("b-no-undo", () => void log.push("run b-no-undo"))
      .step(...step("c"))
      .step("d", fail("d broke"), { compensate: () => void log.push("undo d") })
      .step(...step("e"));
    const result = await flow.run(undefined);
    expect(log).toEqual(["run a", "run b-no-undo", "run c", "undo c", "undo a"]);
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["a", "compensated"],
      ["b-no-undo", "completed"],
      ["c", "compensated"],
      ["d", "failed"],
      ["e", "skipped"],
    ]);
  });

  it("gives the compensation the flow's error, the step's output and the run's data", async () => {
    const boom = new Error("payment declined");
    const seen: unknown[] = [];
    const flow = create("ctx")
      .step(
        "reserve",
        (ctx) => {
          ctx.set("ids", ["r1"]);
          return { count: 1 };
        },
        {
          compensate: (ctx) => {
            seen.push(ctx.error, ctx.outputs.reserve, ctx.get("ids"), ctx.stepName, ctx.idempotencyKey);
          },
        },
      )
      .step("pay", () => {
        throw boom;
      });
    await flow.run(undefined, { runId: "r1" });
    expect(seen).toEqual([boom, { count: 1 }, ["r1"], "reserve", "r1:reserve:compensate"]);
  });

  it("undoes completed parallel branches too, and the steps before the group", async () => {
    const log: string[] = [];
    const undo = (name: string) => ({ compensate: () => void log.push(`undo ${name}`) });
    const flow = create("parallel-undo")
      .step("before", () => {}, undo("before"))
      .parallel("group", [
        { name: "ok-1", fn: () => {}, options: undo("ok-1") },
        { name: "broken", fn: fail("branch broke"), options: undo("broken") },
        { name: "ok-2", fn: async () => {}, options: undo("ok-2") },
      ])
      .step("after", () => {}, undo("after"));
    const result = await flow.run(undefined);
    expect(result.status).toBe("failed");
    expect(log).toEqual(["undo ok-2", "undo ok-1", "undo before"]);
    expect(result.steps.map((s) => s.status)).toEqual(["compensated", "compensated", "failed", "compensated", "skipped"]);
  });

  it("retries a compensation with its own policy (default: 3 retries, exponential from 100 ms)", async () => {
    vi.useFakeTimers();
    const attemptsAt: number[] = [];
    const start = Date.now();
    const flow = create("undo-retry")
      .step("a", () => {}, {
        compensate: () => {
          attemptsAt.push(Date.now() - start);
          if (attemptsAt.length < 4) throw new Error("inventory busy");
        },
      })
      .step("b", fail("b broke"));
    const pending = flow.run(undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await pending;
    expect(attemptsAt).toEqual([0, 100, 300, 700]);
    expect(result.status).toBe("failed");
    expect(result.steps[0]?.status).toBe("compensated");
  });

  it("reports compensation_failed, still runs the other compensations, and names what could not be undone", async () => {
    const log: string[] = [];
    const releaseError = new Error("inventory service unavailable");
    const flow = create("undo-fails")
      .step("a", () => {}, { compensate: () => void log.push("undo a") })
      .step(
        "b",
        () => {},
        {
          compensate: () => {
            log.push("undo b attempt");
            throw releaseError;
          },
          compensation: { retries: 1, retryDelayMs: 0 },
        },
      )
      .step("c", () => {}, { compensate: () => void log.push("undo c") })
      .step("d", fail("d broke"));
    const result = await flow.run(undefined);
    expect(log).toEqual(["undo c", "undo b attempt", "undo b attempt", "undo a"]);
    expect(result.status).toBe("compensation_failed");
    if (result.status === "completed") throw new Error("unreachable");
    expect((result.error as Error).message).toBe("d broke");
    expect(result.compensationErrors).toEqual([{ step: "b", error: releaseError }]);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["a", "compensated"],
      ["b", "compensation_failed"],
      ["c", "compensated"],
      ["d", "failed"],
    ]);
  });
});
