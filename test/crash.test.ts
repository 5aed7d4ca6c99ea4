import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { joinSnapshot, type FlowContext, type Json, type StepRecord } from "orchestrix";
import { builtFixture } from "./helpers/build-cli.js";

/**
 * Real processes, really killed: a worker runs the payment saga against a SQLite file, the test
 * SIGKILLs it at a chosen moment (found by watching the store), and a second process resumes.
 */

const root = join(import.meta.dirname, "..");
const scenarios = ["success", "transient", "decline"] as const;
type Scenario = (typeof scenarios)[number];

interface Workspace {
  runsDb: string;
  effectsDb: string;
}

function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "orchestrix-crash-"));
  return { runsDb: join(dir, "runs.db"), effectsDb: join(dir, "effects.db") };
}

function worker(ws: Workspace, mode: "start" | "resume", runs: unknown[] = []): ChildProcess & { exited: Promise<number | null> } {
  const child = spawn(process.execPath, [builtFixture("crash-worker"), mode], {
    cwd: root,
    env: { ...process.env, RUNS_DB: ws.runsDb, EFFECTS_DB: ws.effectsDb, RUNS: JSON.stringify(runs) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) console.error(`worker ${mode} exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  return Object.assign(child, { exited });
}

interface Row {
  run_id: string;
  status: string;
  current_step: string | null;
  snapshot: string;
}

/** Reads the store file as another process would (it may not exist yet). */
function readRuns(ws: Workspace): Row[] {
  try {
    const db = new Database(ws.runsDb, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT run_id, status, current_step, snapshot FROM orchestrix_runs").all() as Row[];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/** A step's record as a load would rebuild it (head and parts joined), read without opening a store. */
function readStep(ws: Workspace, runId: string, step: string): StepRecord | undefined {
  const db = new Database(ws.runsDb, { readonly: true, fileMustExist: true });
  try {
    const head = db.prepare("SELECT snapshot FROM orchestrix_runs WHERE run_id = ?").get(runId) as { snapshot: string } | undefined;
    if (!head) return undefined;
    const parts = db.prepare("SELECT part, value FROM orchestrix_run_parts WHERE run_id = ?").all(runId) as { part: string; value: string }[];
    const snapshot = joinSnapshot(JSON.parse(head.snapshot) as Json, new Map(parts.map((p) => [p.part, JSON.parse(p.value) as Json])));
    return (snapshot as unknown as { context: FlowContext }).context.steps[step];
  } finally {
    db.close();
  }
}

function effectCounts(ws: Workspace, runId: string): Record<string, number> {
  const db = new Database(ws.effectsDb, { readonly: true });
  const rows = db.prepare("SELECT effect, COUNT(*) AS n FROM effects WHERE run_id = ? GROUP BY effect").all(runId) as { effect: string; n: number }[];
  db.close();
  return Object.fromEntries(rows.map((row) => [row.effect, row.n]));
}

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const orders = (tag: string) =>
  scenarios.map((scenario) => ({
    runId: `${tag}-${scenario}`,
    flow: "crash-payment-saga",
    input: { orderId: `${tag}-${scenario}`, amount: 100, scenario },
  }));

/** The engine's invariants, checked on what the services really did. */
function checkRun(ws: Workspace, runId: string, scenario: Scenario, kills: number) {
  const row = readRuns(ws).find((r) => r.run_id === runId);
  expect(row, `run ${runId} was lost`).toBeDefined();
  const effects = effectCounts(ws, runId);
  const once = (name: string) => expect(effects[name] ?? 0, `${runId}: ${name} ${JSON.stringify(effects)}`).toBeGreaterThanOrEqual(1);
  const atMostTwice = (name: string) => expect(effects[name] ?? 0, `${runId}: ${name} ${JSON.stringify(effects)}`).toBeLessThanOrEqual(2);
  const never = (name: string) => expect(effects[name] ?? 0, `${runId}: ${name} ${JSON.stringify(effects)}`).toBe(0);
  if (scenario === "decline") {
    expect(row!.status).toBe("failed");
    for (const name of ["reserve", "release"]) {
      once(name);
      atMostTwice(name);
    }
    for (const name of ["charge", "confirm", "email"]) never(name);
  } else {
    expect(row!.status).toBe("completed");
    for (const name of ["reserve", "charge", "confirm", "email"]) {
      once(name);
      atMostTwice(name);
    }
    never("release");
  }
  // Only the step in flight at each kill may run again.
  const repeats = Object.entries(effects)
    .filter(([name]) => name !== "charge-attempt")
    .reduce((sum, [, n]) => sum + Math.max(0, n - 1), 0);
  expect(repeats, `${runId}: ${JSON.stringify(effects)}`).toBeLessThanOrEqual(kills);
}

async function crashAndResume(tag: string, killWhen: (rows: Row[]) => boolean, what: string) {
  const ws = workspace();
  const runs = orders(tag);
  const first = worker(ws, "start", runs);
  let finishedFirst = false;
  void first.exited.then(() => (finishedFirst = true));
  await until(() => finishedFirst || killWhen(readRuns(ws)), what);
  // A random moment may come after the worker finished its runs: then nothing was killed.
  const killed = !finishedFirst;
  first.kill("SIGKILL");
  const code = await first.exited;
  expect(code).toBe(killed ? null : 0);
  const second = worker(ws, "resume");
  expect(await second.exited).toBe(0);
  for (const run of runs) checkRun(ws, run.runId, run.input.scenario, killed ? 1 : 0);
  return killed;
}

const at = (runId: string, step: string) => (rows: Row[]) => rows.some((r) => r.run_id === runId && r.current_step === step);

describe("crash recovery with real processes killed by SIGKILL", () => {
  // The first three each watch for a window of a few hundred milliseconds to kill in: they run one
  // at a time, as does the last, which measures a deadline. The rounds of random kills need no such
  // window: they run side by side, with the test of a kill before the first save.
  it("during a step", async () => {
    expect(await crashAndResume("step", at("step-transient", "process-payment"), "the payment step to run")).toBe(true);
  }, 40_000);

  it("during a retry wait", async () => {
    expect(await crashAndResume("wait", at("wait-transient", "process-payment (waiting to retry)"), "a retry wait")).toBe(true);
  }, 40_000);

  it("during compensation", async () => {
    expect(await crashAndResume("undo", at("undo-decline", "undo reserve-stock"), "the stock release")).toBe(true);
  }, 40_000);

  it.concurrent("at random moments, again and again", async () => {
    // The rounds are independent (a workspace and two processes each), so they run side by side.
    const rounds = Array.from({ length: 6 }, (_, round) => {
      const delay = Math.floor(Math.random() * 1_000);
      let firstSaved: number | undefined;
      return crashAndResume(
        `random${round}`,
        (rows) => {
          if (firstSaved === undefined && rows.length > 0) firstSaved = Date.now();
          return firstSaved !== undefined && Date.now() - firstSaved >= delay;
        },
        `${delay} ms after the first save`,
      );
    });
    const kills = (await Promise.all(rounds)).filter(Boolean).length;
    expect(kills).toBeGreaterThan(0);
  }, 150_000);

  it.concurrent("never starts a step of a run that was not saved yet", async () => {
    const ws = workspace();
    const runs = orders("unsaved");
    const first = worker(ws, "start", runs);
    await new Promise((resolve) => setTimeout(resolve, 50)); // long before the worker has even loaded
    first.kill("SIGKILL");
    await first.exited;
    expect(readRuns(ws)).toEqual([]);
    const db = new Database(ws.effectsDb, { fileMustExist: false });
    db.exec("CREATE TABLE IF NOT EXISTS effects (run_id TEXT NOT NULL, effect TEXT NOT NULL, at INTEGER NOT NULL)");
    expect(db.prepare("SELECT COUNT(*) AS n FROM effects").get()).toEqual({ n: 0 });
    db.close();
  }, 20_000);

  it("keeps a retry's deadline across a restart: killed 1 s into a 3 s wait, resumed 1 s later", async () => {
    const ws = workspace();
    const first = worker(ws, "start", [{ runId: "deadline", flow: "crash-slow-retry" }]);
    let retryAt = 0;
    await until(() => {
      const row = readRuns(ws).find((r) => r.run_id === "deadline" && r.current_step === "flaky (waiting to retry)");
      if (row) retryAt = readStep(ws, "deadline", "flaky")?.retryAt ?? 0;
      return row !== undefined;
    }, "the retry wait");
    await new Promise((resolve) => setTimeout(resolve, retryAt - 2_000 - Date.now()));
    first.kill("SIGKILL");
    await first.exited;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const resumedAt = Date.now();
    const second = worker(ws, "resume");
    expect(await second.exited).toBe(0);

    const db = new Database(ws.effectsDb, { readonly: true });
    const attempts = (db.prepare("SELECT at FROM effects WHERE run_id = 'deadline' AND effect = 'attempt' ORDER BY at").all() as { at: number }[]).map((r) => r.at);
    const ready = (db.prepare("SELECT at FROM effects WHERE run_id = 'worker' AND effect = 'resume-started'").get() as { at: number }).at;
    db.close();
    expect(attempts).toHaveLength(2);
    expect(ready).toBeGreaterThanOrEqual(resumedAt);
    // The retry fires at the original deadline, or at once if the new process came up after it
    // (a loaded machine can take over a second to start one) — never after a fresh 3 s wait.
    const due = Math.max(retryAt, ready);
    expect(attempts[1]! - retryAt).toBeGreaterThanOrEqual(-5);
    expect(attempts[1]! - due).toBeLessThan(700);
    expect(attempts[1]! - ready).toBeLessThan(2_500);
    expect(readRuns(ws).find((r) => r.run_id === "deadline")?.status).toBe("completed");
  }, 40_000);
});
