import { afterEach, describe, expect, it, vi } from "vitest";
import { create, FlowCancelledError } from "orchestrix";

afterEach(() => {
  vi.useRealTimers();
});

const never = (signal: AbortSignal) =>
  new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));

describe("cancellation", () => {
  it("while a step runs: aborts its signal, compensates completed steps, ends cancelled", async () => {
    const log: string[] = [];
    const flow = create("cancel-running")
      .step("a", () => {}, { compensate: () => void log.push("undo a") })
      .step("b", async (ctx) => {
        ctx.signal.addEventListener("abort", () => log.push("b aborted"));
        log.push("b running");
        await never(ctx.signal);
      }, { compensate: () => void log.push("undo b (must not happen)") });
    const handle = flow.start(undefined);
    await vi.waitFor(() => expect(log).toContain("b running"));
    handle.cancel("user changed their mind");
    const result = await handle.result;
    expect(log).toEqual(["b running", "b aborted", "undo a"]);
    expect(result.status).toBe("cancelled");
    if (result.status === "completed") throw new Error("unreachable");
    expect(result.error).toBeInstanceOf(FlowCancelledError);
    expect((result.error as Error).message).toBe('Flow "cancel-running" was cancelled: user changed their mind');
    expect(result.steps.map((s) => s.status)).toEqual(["compensated", "cancelled"]);
  });

  it("while waiting to retry: the wait stops at once, no further attempt is made", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const controller = new AbortController();
    const flow = create("cancel-waiting")
      .step("a", () => {}, { compensate: () => {} })
      .step("b", () => {
        attempts++;
        throw new Error("down");
      }, { retries: 3, retryDelayMs: 60_000 });
    const pending = flow.run(undefined, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(attempts).toBe(1);
    controller.abort("shutting down");
    const result = await pending;
    expect(attempts).toBe(1);
    expect(result.status).toBe("cancelled");
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["a", "compensated", 1],
      ["b", "cancelled", 1],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("while compensating: the compensations still run to the end (undo is the safety net)", async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const flow = create("cancel-compensating")
      .step("a", () => {}, { compensate: () => void log.push("undo a") })
      .step("b", () => {}, {
        compensate: async () => {
          log.push("undo b started");
          await gate;
          log.push("undo b finished");
        },
      })
      .step("c", () => {
        throw new Error("c broke");
      });
    const handle = flow.start(undefined);
    await vi.waitFor(() => expect(log).toContain("undo b started"));
    handle.cancel();
    release();
    const result = await handle.result;
    expect(log).toEqual(["undo b started", "undo b finished", "undo a"]);
    expect(result.status).toBe("failed");
  });

  it("waits for an attempt that ignores its signal, and compensates it if it completed anyway", async () => {
    const log: string[] = [];
    let finish!: () => void;
    const flow = create("cancel-stubborn")
      .step("a", () => {}, { compensate: () => void log.push("undo a") })
      .step("charge", async () => {
        log.push("charging");
        await new Promise<void>((resolve) => (finish = resolve));
        log.push("charged");
        return "txn-1";
      }, { compensate: () => void log.push("refund charge") })
      .step("never", () => void log.push("never (must not run)"));
    const handle = flow.start(undefined);
    await vi.waitFor(() => expect(log).toContain("charging"));
    handle.cancel();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(log).toEqual(["charging"]); // nothing is undone while the charge may still land
    finish();
    const result = await handle.result;
    expect(log).toEqual(["charging", "charged", "refund charge", "undo a"]);
    expect(result.status).toBe("cancelled");
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["a", "compensated"],
      ["charge", "compensated"],
      ["never", "skipped"],
    ]);
  });

  it("while waiting to retry: keeps the failed attempt's own error in the history", async () => {
    const flow = create("cancel-keeps-error").step("b", () => {
      throw new Error("boom-1");
    }, { retries: 3, retryDelayMs: 60_000 });
    const handle = flow.start(undefined);
    await vi.waitFor(() => expect(handle.actor.getSnapshot().context.steps["b"]?.status).toBe("retrying"));
    handle.cancel();
    await handle.result;
    const record = handle.actor.getSnapshot().context.steps["b"]!;
    expect(record.status).toBe("cancelled");
    expect(record.history.map((attempt) => attempt.error?.message)).toEqual(["boom-1"]);
  });

  it("after a parallel branch failed: the failure stays the cause and the outcome", async () => {
    const original = new Error("original failure");
    let slowAborted = false;
    const flow = create("cancel-after-failure").parallel("group", [
      {
        name: "bad",
        fn: () => {
          throw original;
        },
      },
      {
        name: "slow",
        fn: (ctx) =>
          new Promise<void>((_, reject) =>
            ctx.signal.addEventListener("abort", () => {
              slowAborted = true;
              reject(new Error("aborted"));
            }),
          ),
      },
    ]);
    const handle = flow.start(undefined);
    await vi.waitFor(() => expect(handle.actor.getSnapshot().context.steps["bad"]?.status).toBe("failed"));
    handle.cancel("late cancel");
    const result = await handle.result;
    expect(slowAborted).toBe(true);
    expect(result.status).toBe("failed");
    if (result.status === "completed") throw new Error("unreachable");
    expect(result.error).toBe(original);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["bad", "failed"],
      ["slow", "cancelled"],
    ]);
  });

  it("with an already aborted signal: no step runs", async () => {
    let ran = false;
    const flow = create("cancel-before").step("a", () => {
      ran = true;
    });
    const result = await flow.run(undefined, { signal: AbortSignal.abort() });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toBe(false);
    expect(result.status).toBe("cancelled");
    // The attempt was stopped before its function ran: it is not counted.
    expect(result.steps[0]).toMatchObject({ status: "cancelled", attempts: 0 });
  });
});
