import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { joinSnapshot, type FlowContext, type Json } from "orchestrix";
import { builtFixture } from "./helpers/build-cli.js";
import { cli, killAll, ROOT } from "./helpers/cli.js";

/**
 * Durable waits across real processes on one SQLite file: a process runs a wait, a timed wait, a
 * sleep and a child flow; it is SIGKILLed while they wait; a signal is sent with the CLI while no
 * process runs them; a second process resumes them all a second later.
 */

afterAll(killAll);

let runsDb = "";
let effects = "";
beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), "orchestrix-wait-process-"));
  runsDb = join(dir, "runs.db");
  effects = join(dir, "effects.log");
});

function worker(mode: "start" | "resume", env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [builtFixture("wait-worker"), mode], {
    cwd: ROOT,
    env: { ...process.env, RUNS_DB: runsDb, EFFECTS: effects, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve) => child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
  /** Lets a `resume` worker start resuming. */
  const go = () => child.stdin?.write("go\n");
  return { child, exited, ready, go };
}

interface Row {
  run_id: string;
  status: string;
  current_step: string | null;
}

function rows(): Row[] {
  try {
    const db = new Database(runsDb, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT run_id, status, current_step FROM orchestrix_runs ORDER BY run_id").all() as Row[];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

function effectLines(): string[] {
  try {
    return readFileSync(effects, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows())} ${JSON.stringify(effectLines())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The stored step record of `step` in run `runId`, as a load rebuilds it (head and parts joined). */
function stepRecord(runId: string, step: string): { startedAt: number; endedAt: number | null; status: string } {
  const db = new Database(runsDb, { readonly: true });
  try {
    const head = db.prepare("SELECT snapshot FROM orchestrix_runs WHERE run_id = ?").get(runId) as { snapshot: string };
    const parts = db.prepare("SELECT part, value FROM orchestrix_run_parts WHERE run_id = ?").all(runId) as { part: string; value: string }[];
    const snapshot = joinSnapshot(JSON.parse(head.snapshot) as Json, new Map(parts.map((p) => [p.part, JSON.parse(p.value) as Json])));
    const record = (snapshot as unknown as { context: FlowContext }).context.steps[step];
    if (record?.startedAt == null) throw new Error(`run ${runId} has no started record of step ${step}`);
    return { ...record, startedAt: record.startedAt };
  } finally {
    db.close();
  }
}

describe("durable waits survive SIGKILL", () => {
  const waiting = (id: string, note: string) => rows().some((row) => row.run_id === id && row.current_step?.includes(note));
  const signalArgs = (data: string, id: string) => [
    "runs", "signal", "await-payment", "payment-confirmed", "--data", data, "--signal-id", id,
    "--store", `sqlite:${runsDb}`, "--module", "test/fixtures/wait-flows.ts",
  ];

  it("a wait takes a signal sent with the CLI while no process ran it; a child killed mid-step resumes from its last snapshot", async () => {
    const first = worker("start", { HOLD: "1", FLOWS: "await-payment,ship-order" });
    const resumer = worker("resume");
    await until(() => waiting("await-payment", "waiting for its signal") && effectLines().some((line) => line.endsWith("ship label started")), "both runs to wait");
    const firstPid = String(first.child.pid);
    first.child.kill("SIGKILL");
    await first.exited;

    // No process runs the wait now: the signal is recorded in the store, after its payload is checked.
    const invalid = await cli(signalArgs('{"chargeId":1}', "evt-0"));
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Invalid payload for wait "payment-confirmed" of flow "await-payment"/);
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
    const sent = await cli(signalArgs('{"chargeId":"ch_cli"}', "evt-1"));
    expect(sent.stderr).toBe("");
    expect(sent.stdout).toMatch(/Recorded signal "payment-confirmed" \(evt-1\) for run await-payment/);
    const again = await cli(signalArgs('{"chargeId":"ch_other"}', "evt-1"));
    expect(again.stdout).toMatch(/already recorded/);

    await resumer.ready;
    resumer.go();
    const outcome = await resumer.exited;
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    const lines = effectLines();
    const by = (pid: string) => lines.filter((line) => line.startsWith(`${pid} `)).map((line) => line.slice(pid.length + 1));
    expect(by(firstPid).sort()).toEqual(["started", "reserve o-1", "ship pack", "ship label started"].sort());
    expect(by(String(resumer.child.pid)).sort()).toEqual(
      [
        "resuming",
        // The signal sent while no process ran the wait, with its first payload only.
        "confirm ch_cli",
        // The child goes on from its last snapshot: pack is not repeated, the label in flight is.
        "ship label started",
        "ship label done",
        "ship handover",
        "shipped L-1",
        "ended await-payment completed",
        "ended ship-order completed",
      ].sort(),
    );
    expect(rows().map((row) => [row.run_id, row.status])).toEqual([
      ["await-payment", "completed"],
      ["ship-order", "completed"],
    ]);
  }, 60_000);

  it("a run killed 1 s into a 3 s wait timeout (and a 3 s sleep) and resumed 1 s later ends at the original deadline", async () => {
    const first = worker("start", { FLOWS: "approval-timeout,cool-off" });
    const resumer = worker("resume");
    await until(() => waiting("approval-timeout", "waiting for its signal") && waiting("cool-off", "sleeping"), "the wait and the sleep");
    const began = Math.max(stepRecord("approval-timeout", "approved").startedAt, stepRecord("cool-off", "cool-off").startedAt);
    await resumer.ready;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, began + 1_000 - Date.now())));
    first.child.kill("SIGKILL");
    await first.exited;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    resumer.go();
    const outcome = await resumer.exited;
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    expect(rows().map((row) => [row.run_id, row.status])).toEqual([
      ["approval-timeout", "failed"],
      ["cool-off", "completed"],
    ]);
    const resumed = effectLines().filter((line) => line.startsWith(`${resumer.child.pid} `));
    expect(resumed.map((line) => line.split(" ").slice(1).join(" ")).sort()).toEqual(
      ["resuming", "hold release", "after cool-off", "ended approval-timeout failed", "ended cool-off completed"].sort(),
    );
    // The deadlines are absolute: 3 s from when the wait and the sleep began, the downtime included.
    for (const [runId, step] of [["approval-timeout", "approved"], ["cool-off", "cool-off"]] as const) {
      const record = stepRecord(runId, step);
      expect(record.endedAt).not.toBeNull();
      expect((record.endedAt ?? 0) - record.startedAt).toBeGreaterThanOrEqual(2_990);
      expect((record.endedAt ?? 0) - record.startedAt).toBeLessThan(3_500);
    }
  }, 60_000);
});
