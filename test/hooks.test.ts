import { afterEach, describe, expect, it, vi } from "vitest";
import { create, type FlowHooks } from "orchestrix";

afterEach(() => {
  vi.restoreAllMocks();
});

function recordingHooks(log: string[]): FlowHooks {
  return {
    onFlowStart: (e) => void log.push(`flow start ${JSON.stringify(e.input)}`),
    onStepStart: (e) => void log.push(`start ${e.step}#${e.attempt}`),
    onStepComplete: (e) => void log.push(`complete ${e.step}#${e.attempt} -> ${JSON.stringify(e.output)}`),
    onStepRetry: (e) => void log.push(`retry ${e.step}#${e.attempt} in ${e.delayMs}: ${(e.error as Error).message}`),
    onStepFail: (e) => void log.push(`fail ${e.step}#${e.attempt}: ${(e.error as Error).message}`),
    onCompensate: (e) => void log.push(`undo ${e.step}#${e.attempt}`),
    onCompensateComplete: (e) => void log.push(`undone ${e.step} ${e.status}`),
    onFlowComplete: (e) => void log.push(`flow complete ${JSON.stringify(e.outputs)}`),
    onFlowFail: (e) => void log.push(`flow ${e.status}: ${(e.error as Error).message}`),
  };
}

describe("hooks", () => {
  it("report every lifecycle event, in order", async () => {
    const log: string[] = [];
    let tries = 0;
    const flow = create("hooked", { hooks: recordingHooks(log) })
      .step("a", () => 1, { compensate: () => {} })
      .step("b", () => {
        if (++tries < 2) throw new Error("flaky");
        throw new Error("broken");
      }, { retries: 1, retryDelayMs: 5 });
    await flow.run({ id: 1 });
    expect(log).toEqual([
      'flow start {"id":1}',
      "start a#1",
      "complete a#1 -> 1",
      "start b#1",
      "retry b#1 in 5: flaky",
      "start b#2",
      "fail b#2: broken",
      "undo a#1",
      "undone a completed",
      "flow failed: broken",
    ]);
  });

  it("report a completed run with its outputs", async () => {
    const log: string[] = [];
    await create("ok", { hooks: recordingHooks(log) }).step("a", () => "x").run(null);
    expect(log.at(-1)).toBe('flow complete {"a":"x"}');
  });

  it("run plugins after the flow's own hooks, each under its name", async () => {
    const log: string[] = [];
    const flow = create("plugged", {
      hooks: { onStepStart: () => void log.push("own") },
      plugins: [
        { name: "metrics", onStepStart: () => void log.push("metrics") },
        { name: "tracing", onStepStart: () => void log.push("tracing") },
      ],
    }).step("a", () => {});
    await flow.run(null);
    expect(log).toEqual(["own", "metrics", "tracing"]);
  });

  it("never break a run when they throw or reject; the failure is reported", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const flow = create("throwing-hooks", {
      hooks: {
        onStepStart: () => {
          throw new Error("hook bug");
        },
      },
      plugins: [{ name: "async-plugin", onStepComplete: async () => Promise.reject(new Error("async hook bug")) }],
    }).step("a", () => "still fine");
    const result = await flow.run(null);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(result.status).toBe("completed");
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0]?.[0]).toMatch(/hook onStepStart threw in flow "throwing-hooks" \(run .*\); the run goes on/);
    expect(errors.mock.calls[1]?.[0]).toMatch(/hook onStepComplete of plugin "async-plugin" threw/);
  });
});

describe("the built-in log", () => {
  it("prints a readable line per step event: step, attempt, duration, error", async () => {
    const lines: string[] = [];
    let tries = 0;
    const flow = create("logged", { logging: { write: (line) => lines.push(line) } })
      .step("reserve", () => {}, { compensate: () => {} })
      .step("pay", () => {
        if (++tries < 2) throw new Error("gateway timeout");
        throw new Error("card declined");
      }, { retries: 1, retryDelayMs: 1 });
    await flow.run(null, { runId: "abcdef123456" });
    const text = lines.join("\n").replace(/\d+ ms/g, "N ms");
    expect(text).toBe(
      [
        "[logged abcdef12] ▶ started",
        "[logged abcdef12] → reserve",
        "[logged abcdef12] ✔ reserve (attempt 1, N ms)",
        "[logged abcdef12] → pay",
        "[logged abcdef12] ↻ pay attempt 1 failed: gateway timeout — retrying in N ms",
        "[logged abcdef12] → pay (attempt 2)",
        "[logged abcdef12] ✖ pay failed on attempt 2 (N ms): card declined",
        "[logged abcdef12] ↩ undoing reserve",
        "[logged abcdef12] ↩ reserve undone (N ms)",
        "[logged abcdef12] ■ failed after N ms: card declined",
      ].join("\n"),
    );
  });

  it("is switched on by ORCHESTRIX_LOG=1 and goes to console.log", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    vi.stubEnv("ORCHESTRIX_LOG", "1");
    try {
      await create("env-logged").step("a", () => {}).run(null);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(log.mock.calls.map((call) => String(call[0]).replace(/^\[env-logged \S+\] /, ""))).toEqual([
      "▶ started",
      "→ a",
      expect.stringMatching(/^✔ a \(attempt 1, \d+ ms\)$/),
      expect.stringMatching(/^■ completed in \d+ ms$/),
    ]);
  });
});
