import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunRecord } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, startCli, type Started, cli as run } from "./helpers/cli.js";

const FLOWS = "test/fixtures/cli-flows.ts";

/** Runs the CLI, with environment variables added. */
const cli = (args: readonly string[], env: Record<string, string> = {}) => run(args, { env });

let dir: string;
let db: string;
let store: string;

/** The file an order's effects are appended to: one per order, as the tests of a group run side by side. */
const effectsFile = (orderId: string) => join(dir, `effects-${orderId}.log`);
const orderInput = (orderId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ orderId, effects: effectsFile(orderId), ...extra });
/** Every effect the runs of an order had, in order. */
const effectLines = (orderId: string) => (existsSync(effectsFile(orderId)) ? readFileSync(effectsFile(orderId), "utf8").trim().split("\n") : []);

async function loadRecord(runId: string): Promise<RunRecord | undefined> {
  const runs = sqliteStore({ path: db });
  try {
    return await runs.load(runId);
  } finally {
    await runs.close();
  }
}

/** Polls the database until the run is saved as running at `await-approval`. */
async function waitUntilWaiting(runId: string): Promise<void> {
  // Generous: on a loaded 2-core machine a child process can take seconds to start.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const record = await loadRecord(runId);
    if (record?.status === "running" && record.currentStep === "await-approval") return;
    if (Date.now() > deadline) throw new Error(`run ${runId} never reached await-approval; its record: ${JSON.stringify(record)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The table line of a run in `runs list` output. */
const lineOf = (output: string, runId: string) => output.split("\n").find((line) => line.startsWith(`${runId} `)) ?? "";

/** The two runs the `runs` tests find held, then orphaned: started first, so they come up while the `run` tests go. */
let hang1: Started;
let hang2: Started;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "orchestrix-cli-"));
  db = join(dir, "runs.db");
  store = `sqlite:${db}`;
  const flags = ["--flow", "cli-order", "--store", store];
  hang1 = startCli(["run", FLOWS, ...flags, "--run-id", "hang-1", "--input", orderInput("H1", { gate: join(dir, "gate-1") })]);
  hang2 = startCli(["run", FLOWS, ...flags, "--run-id", "hang-2", "--input", orderInput("H2", { gate: join(dir, "gate-2") })]);
});

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

// Consecutive it.concurrent tests run side by side: each group below touches runs of its own.
describe("orchestrix run", () => {
  it.concurrent("runs a flow with a progress line per step, prints the result and exits 0 when it completes", async () => {
    const { code, stdout, stderr } = await cli(["run", FLOWS, "--flow", "cli-order", "--input", orderInput("A1"), "--store", store, "--run-id", "ok-1"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("[cli-order ok-1] → reserve");
    expect(stdout).toContain("[cli-order ok-1] ✔ charge");
    expect(stdout).toMatch(/Run ok-1 of flow cli-order: completed in/);
    expect(stdout).toMatch(/^charge +completed +1 /m);
    expect(effectLines("A1")).toEqual(["reserve A1", "charge A1"]);
  });

  it.concurrent("exits 2 when the flow fails, after undoing the completed steps", async () => {
    const input = orderInput("B1", { decline: true });
    const { code, stdout } = await cli(["run", FLOWS, "--flow", "cli-order", "--input", input, "--store", store, "--run-id", "failed-1"]);
    expect(code).toBe(2);
    expect(stdout).toContain("↩ reserve undone");
    expect(stdout).toMatch(/Run failed-1 of flow cli-order: failed in/);
    expect(stdout).toContain("Error: card for order B1 declined");
    expect(effectLines("B1")).toContain("release B1");
  });

  it.concurrent("refuses invalid --input JSON, input the schema rejects and an ambiguous module, with exit code 1", async () => {
    const [badJson, badInput, ambiguous] = await Promise.all([
      cli(["run", FLOWS, "--flow", "cli-order", "--input", "{bad"]),
      cli(["run", FLOWS, "--flow", "cli-order", "--input", '{"orderId":5}']),
      cli(["run", FLOWS, "--input", "{}"]),
    ]);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toContain("Expected --input to be JSON");
    expect(badJson.stderr).toContain('got "{bad"');
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toContain('Invalid input for flow "cli-order"');
    expect(badInput.stderr).toMatch(/orderId: .*expected string/);
    expect(badInput.stderr).toContain('Got: {"orderId":5}');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('exports 2 flows ("cli-greet", "cli-order"); choose one with --flow');
  });

  it.concurrent("cancels the run on Ctrl-C: its completed steps are undone and it exits 2", async () => {
    const input = orderInput("C1", { gate: join(dir, "never") });
    const started = startCli(["run", FLOWS, "--flow", "cli-order", "--input", input, "--store", store, "--run-id", "interrupted-1"]);
    await waitUntilWaiting("interrupted-1");
    started.child.kill("SIGINT");
    const { code, stdout, stderr } = await started.done;
    expect(stderr).toContain("Received SIGINT: cancelling the run");
    expect(code).toBe(2);
    expect(stdout).toMatch(/Run interrupted-1 of flow cli-order: cancelled/);
    expect(effectLines("C1")).toContain("release C1");
  });
});

describe("orchestrix runs", () => {
  it("refuses to cancel a run a live process holds, naming that process", async () => {
    await Promise.all([waitUntilWaiting("hang-1"), waitUntilWaiting("hang-2")]);

    const [list, cancel] = await Promise.all([
      cli(["runs", "list", "--store", store]),
      cli(["runs", "cancel", "hang-1", "--store", store, "--module", FLOWS]),
    ]);
    expect(lineOf(list.stdout, "hang-1")).toMatch(/^hang-1 +cli-order +running +await-approval +1 /);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain(`is held by a live process, `);
    expect(cancel.stderr).toContain(`:${hang1.child.pid}`);

    // Crash both processes: their runs stay "running", held by a process that no longer exists.
    hang1.child.kill("SIGKILL");
    hang2.child.kill("SIGKILL");
    expect((await hang1.done).signal).toBe("SIGKILL");
    expect((await hang2.done).signal).toBe("SIGKILL");
  });

  it.concurrent("list shows id, flow, status, current step, attempts, last error and age in a table", async () => {
    const { code, stdout } = await cli(["runs", "list", "--store", store]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toMatch(/^RUN ID +FLOW +STATUS +CURRENT STEP +ATTEMPTS +LAST ERROR +UPDATED$/);
    expect(lineOf(stdout, "hang-1")).toMatch(/^hang-1 +cli-order +running \(orphaned\) +await-approval +1 +(\d+ s ago|just now)$/);
    // An ended run shows every attempt its steps made.
    expect(lineOf(stdout, "ok-1")).toMatch(/^ok-1 +cli-order +completed +- +3 +(\d+ s ago|just now)$/);
    expect(lineOf(stdout, "failed-1")).toMatch(/^failed-1 +cli-order +failed +- +3 +card for order B1 declined /);
    expect(lineOf(stdout, "interrupted-1")).toMatch(/ cancelled /);
  });

  it.concurrent("list filters by status and flow, reads the store from ORCHESTRIX_STORE, and prints JSON without snapshots", async () => {
    const [failed, otherFlow, json] = await Promise.all([
      cli(["runs", "list", "--status", "failed"], { ORCHESTRIX_STORE: store }),
      cli(["runs", "list", "--store", store, "--flow", "cli-greet"]),
      cli(["runs", "list", "--store", store, "--json"]),
    ]);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toContain("failed-1");
    expect(failed.stdout).not.toContain("ok-1");
    expect(otherFlow.stdout).toContain('No runs of flow "cli-greet"');
    const records = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(records.map((record) => record["runId"]).sort()).toEqual(["failed-1", "hang-1", "hang-2", "interrupted-1", "ok-1"]);
    expect(records.every((record) => !("snapshot" in record))).toBe(true);
    expect(records.find((record) => record["runId"] === "hang-1")).toMatchObject({ status: "running", currentStep: "await-approval", attempts: 1 });
    expect(records.find((record) => record["runId"] === "ok-1")).toMatchObject({ status: "completed", currentStep: null, attempts: 3, lastError: null });
  });

  it.concurrent("show prints the run, each step and compensation, and its input and outputs; an unknown id exits 1", async () => {
    const [show, unknown] = await Promise.all([
      cli(["runs", "show", "hang-1", "--store", store]),
      cli(["runs", "show", "no-such-run", "--store", store]),
    ]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Flow +cli-order \(no version label, definition \w+\)$/m);
    expect(show.stdout).toMatch(/^Status +running \(orphaned/m);
    expect(show.stdout).toMatch(new RegExp(`^Owner +\\S+:${hang1.child.pid} \\(process gone`, "m"));
    expect(show.stdout).toMatch(/^reserve +completed +1 +\S+ +\d+ ms$/m);
    expect(show.stdout).toMatch(/^await-approval +running +1 +\S+ +\(unfinished\)$/m);
    expect(show.stdout).toMatch(/^charge +pending +0 +- +-$/m);
    expect(show.stdout).toContain('"orderId": "H1"');
    expect(show.stdout).toContain('"reservation": "res-H1"');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No run with id "no-such-run" in sqlite:');
  });

  it("resume continues an orphaned run in this process to completion and exits 0", async () => {
    writeFileSync(join(dir, "gate-1"), "");
    const { code, stdout } = await cli(["runs", "resume", "hang-1", "--store", store, "--module", FLOWS]);
    expect(code).toBe(0);
    expect(stdout).toContain("Resuming run hang-1 of flow cli-order at await-approval");
    expect(stdout).toMatch(/\[cli-order hang-1\] ▶ resumed at await-approval \(attempt 1\) after [\d.]+ m?s not running/);
    expect(stdout).toContain("[cli-order hang-1] ✔ charge");
    expect(stdout).toMatch(/Run hang-1 of flow cli-order: completed/);
    expect(effectLines("H1")).toEqual(["reserve H1", "charge H1"]);
    expect(await loadRecord("hang-1")).toMatchObject({ status: "completed", owner: null });
    // The step that was waiting when its process died counts only the time a process ran it, not the downtime
    // (the seconds the tests above took): the gate was open when it resumed, so it ended within milliseconds.
    const show = await cli(["runs", "show", "hang-1", "--store", store]);
    expect(show.stdout).toMatch(/^await-approval +completed +1 +\S+ +\d+ ms$/m);
  });

  it.concurrent("cancel undoes an orphaned run's completed steps in this process; a second cancel says it has ended", async () => {
    const { code, stdout } = await cli(["runs", "cancel", "hang-2", "--store", store, "--module", FLOWS]);
    expect(code).toBe(0);
    expect(stdout).toContain("[cli-order hang-2] ↩ reserve undone");
    expect(stdout).toMatch(/Run hang-2 of flow cli-order: cancelled/);
    expect(effectLines("H2")).toEqual(["reserve H2", "release H2"]);
    expect(await loadRecord("hang-2")).toMatchObject({ status: "cancelled" });

    const again = await cli(["runs", "cancel", "hang-2", "--store", store, "--module", FLOWS]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Run hang-2 of flow cli-order has already ended with status cancelled");
  });

  it.concurrent("refuses a store URL it cannot use, saying what it expected and what came", async () => {
    const [postgres, memory, noScheme, missing] = await Promise.all([
      cli(["runs", "list", "--store", "postgres:runs"]),
      cli(["runs", "list", "--store", "memory:"]),
      cli(["runs", "list", "--store", "./runs.db"]),
      cli(["runs", "list", "--store", `sqlite:${join(dir, "missing.db")}`]),
    ]);
    for (const outcome of [postgres, memory, noScheme, missing]) expect(outcome.code).toBe(1);
    expect(postgres.stderr).toContain('Expected a PostgreSQL URL with a host, e.g. postgres://user@127.0.0.1:5432/app; got "postgres:runs"');
    expect(memory.stderr).toContain("memory: keeps runs in the memory of a single process");
    expect(noScheme.stderr).toContain('got "./runs.db" (no scheme)');
    expect(missing.stderr).toContain(`No database at ${join(dir, "missing.db")}`);
    expect(existsSync(join(dir, "missing.db"))).toBe(false);
  });
});
