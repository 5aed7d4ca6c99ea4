import { describe, expect, it } from "vitest";
import { create } from "orchestrix";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });

describe("parallel groups", () => {
  it("run their branches at the same time and pass every output on", async () => {
    const started: string[] = [];
    const flow = create("fan-out")
      .parallel("notify", [
        {
          name: "email",
          fn: async () => {
            started.push("email");
            await sleep(30);
            return "sent";
          },
        },
        {
          name: "sms",
          fn: async () => {
            started.push("sms");
            await sleep(30);
            return 1;
          },
        },
      ])
      .step("after", (ctx) => `${ctx.outputs.email}:${ctx.outputs.sms}`);
    const result = await flow.run(undefined);
    // Both started before either finished: they overlapped.
    expect(started).toEqual(["email", "sms"]);
    expect(result.outputs).toEqual({ email: "sent", sms: 1, after: "sent:1" });
  });

  it("by default wait for every branch, then fail if any branch failed", async () => {
    let slowFinished = false;
    const flow = create("wait-all").parallel("group", [
      {
        name: "broken",
        fn: () => {
          throw new Error("broken");
        },
      },
      {
        name: "slow",
        fn: async () => {
          await sleep(30);
          slowFinished = true;
        },
        options: { compensate: () => {} },
      },
    ]);
    const result = await flow.run(undefined);
    expect(slowFinished).toBe(true);
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["broken", "failed"],
      ["slow", "compensated"],
    ]);
  });

  it("with failFast, abort the other branches at the first failure", async () => {
    const aborted: string[] = [];
    const flow = create("fail-fast").parallel(
      "group",
      [
        {
          name: "broken",
          fn: async () => {
            await sleep(5);
            throw new Error("broken");
          },
        },
        {
          name: "slow",
          fn: async (ctx) => {
            ctx.signal.addEventListener("abort", () => aborted.push("slow"));
            await sleep(5_000, ctx.signal);
          },
          options: { compensate: () => void aborted.push("undo slow (must not happen)") },
        },
      ],
      { failFast: true },
    );
    const begin = Date.now();
    const result = await flow.run(undefined);
    expect(Date.now() - begin).toBeLessThan(1_000);
    expect(aborted).toEqual(["slow"]);
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["broken", "failed"],
      ["slow", "cancelled"],
    ]);
  });

  it("with failFast, compensate a branch whose work completed before it could be stopped", async () => {
    const log: string[] = [];
    const flow = create("fail-fast-late").parallel(
      "group",
      [
        {
          name: "broken",
          fn: async () => {
            await sleep(5);
            throw new Error("broken");
          },
        },
        {
          name: "stubborn",
          // Ignores its signal and finishes anyway: its effect happened, so it must be undone.
          fn: async (ctx) => {
            await sleep(30);
            log.push(`stubborn finished (signal aborted: ${ctx.signal.aborted})`);
            return "charged";
          },
          options: { compensate: () => void log.push("undo stubborn") },
        },
      ],
      { failFast: true },
    );
    const result = await flow.run(undefined);
    expect(log).toEqual(["stubborn finished (signal aborted: true)", "undo stubborn"]);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["broken", "failed"],
      ["stubborn", "compensated"],
    ]);
  });

  it("with failFast, stop a sibling waiting to retry without another attempt", async () => {
    let siblingAttempts = 0;
    const flow = create("fail-fast-waiting").parallel(
      "group",
      [
        {
          name: "broken",
          fn: async () => {
            await sleep(20);
            throw new Error("broken");
          },
        },
        {
          name: "flaky",
          fn: () => {
            siblingAttempts++;
            throw new Error("flaky");
          },
          options: { retries: 5, retryDelayMs: 10_000 },
        },
      ],
      { failFast: true },
    );
    const begin = Date.now();
    const result = await flow.run(undefined);
    expect(Date.now() - begin).toBeLessThan(5_000);
    expect(siblingAttempts).toBe(1);
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["broken", "failed", 1],
      ["flaky", "cancelled", 1],
    ]);
  });

  it("give each branch its own retries", async () => {
    const attempts: Record<string, number> = { a: 0, b: 0 };
    const flow = create("branch-retries").parallel("group", [
      {
        name: "a",
        fn: () => {
          if (++attempts.a! < 3) throw new Error("flaky");
        },
        options: { retries: 2 },
      },
      { name: "b", fn: () => void attempts.b!++ },
    ]);
    const result = await flow.run(undefined);
    expect(result.status).toBe("completed");
    expect(result.steps.map((s) => s.attempts)).toEqual([3, 1]);
  });
});
