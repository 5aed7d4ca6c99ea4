import { describe, expect, it } from "vitest";
import { create, loggingPlugin, memoryStore, type FlowContext, type RunRecord } from "orchestrix";

describe("resuming a stored run", () => {
  it("logs where it resumes, and the step's duration leaves out the time no process ran it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const lines: string[] = [];
    const flow = create("resumable", { plugins: [loggingPlugin({ write: (line) => lines.push(line) })] })
      .step("reserve", () => "r1")
      .step("approve", () => gate);

    // A first process ran the run up to `approve` and died there an hour ago: its record, as a store holds it.
    const first = memoryStore();
    const handle = flow.start(null, { runId: "run-1", store: first });
    await until(async () => (await first.load("run-1"))?.currentStep === "approve");
    const saved = (await first.load("run-1"))!;
    handle.cancel();
    release();
    await handle.result;

    const hourAgo = Date.now() - 3_600_000;
    const context = (saved.snapshot as unknown as { context: FlowContext }).context;
    const approve = context.steps["approve"]!;
    approve.startedAt = hourAgo;
    approve.history[0]!.startedAt = hourAgo;
    const crashed: RunRecord = { ...saved, owner: "some-host-that-is-gone:1", leaseUntil: hourAgo, updatedAt: hourAgo };
    const store = memoryStore();
    await store.create(crashed);

    lines.length = 0;
    const result = await flow.resume("run-1", { store });
    expect(result.status).toBe("completed");
    expect(lines[0]).toMatch(/^\[resumable run-1\] ▶ resumed at approve \(attempt 1\) after 36\d\d\.\d s not running$/);
    const step = result.steps.find((s) => s.name === "approve")!;
    expect(step.durationMs).toBeLessThan(60_000);
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
