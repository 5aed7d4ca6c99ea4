import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The race the ownership issue is about, with real processes: a victim process starts runs and is
 * SIGKILLed while each is in step b; then several racer processes take each run over at the same
 * instant (one stdin line written to all of them at once, while all wait for it) through
 * `flow.resume`, `flow.run(…, { runId })` or the CLI's `runs resume`. Exactly one may win.
 */

const root = join(import.meta.dirname, "..");
const RACERS = 3;
const TRIALS_PER_MODE = 30;
const modes = ["resume", "run", "cli"] as const;

const dir = mkdtempSync(join(tmpdir(), "orchestrix-race-"));
const env = { ...process.env, RUNS_DB: join(dir, "runs.db"), EFFECTS_DB: join(dir, "effects.db") };
const runIds = modes.flatMap((mode) => Array.from({ length: TRIALS_PER_MODE }, (_, i) => `${mode}-${i}`));

interface Racer {
  child: ChildProcess;
  next(): Promise<string>;
}

function spawnProcess(mode: "victim" | "racer", extraEnv: Record<string, string> = {}): Racer {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/race-process.ts", mode], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    next: async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`the ${mode} process ended early`);
      return line.value;
    },
  };
}

interface Effect {
  run_id: string;
  step: string;
  pid: number;
  phase: "start" | "end";
  at: number;
}

function effectsOf(runId: string): Effect[] {
  const db = new Database(env.EFFECTS_DB, { readonly: true });
  try {
    return db.prepare("SELECT * FROM effects WHERE run_id = ? ORDER BY at").all(runId) as Effect[];
  } finally {
    db.close();
  }
}

function inFlightAtB(): number {
  const db = new Database(env.RUNS_DB, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM orchestrix_runs WHERE current_step = 'b'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

let victimPid = 0;
const racers: Racer[] = [];

beforeAll(async () => {
  const victim = spawnProcess("victim", { RACE_VICTIM: "1", RUN_IDS: JSON.stringify(runIds) });
  victimPid = victim.child.pid ?? 0;
  expect(await victim.next()).toBe("started");
  const deadline = Date.now() + 30_000;
  // Every run must be durably in step b (and b must have begun) before the kill.
  for (;;) {
    let ready = 0;
    try {
      ready = inFlightAtB();
    } catch {
      // the store file may not exist yet
    }
    if (ready === runIds.length && runIds.every((runId) => effectsOf(runId).some((e) => e.step === "b"))) break;
    if (Date.now() > deadline) throw new Error(`only ${ready} of ${runIds.length} runs reached step b`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const exited = new Promise((resolve) => victim.child.once("exit", resolve));
  victim.child.kill("SIGKILL");
  await exited;
  racers.push(...Array.from({ length: RACERS }, () => spawnProcess("racer")));
  for (const racer of racers) expect(await racer.next()).toBe("ready");
}, 120_000);

afterAll(() => {
  for (const racer of racers) racer.child.kill("SIGKILL");
});

describe.each(modes)("takeover race through %s", (mode) => {
  it(`lets exactly one of ${RACERS} racing processes take each run over, ${TRIALS_PER_MODE} trials`, async () => {
    let lateLosers = 0;
    for (let trial = 0; trial < TRIALS_PER_MODE; trial++) {
      const runId = `${mode}-${trial}`;
      // The barrier: every racer is idle, waiting for this line; it reaches them all at once.
      for (const racer of racers) racer.child.stdin!.write(`go ${mode} ${runId}\n`);
      const outcomes = (await Promise.all(racers.map((racer) => racer.next()))).map(
        (line) => JSON.parse(line) as { runId: string; outcome: string; pid: number },
      );
      expect(outcomes.every((o) => o.runId === runId)).toBe(true);
      const winners = outcomes.filter((o) => o.outcome === "completed");
      const losers = outcomes.filter((o) => o.outcome !== "completed");
      expect(winners, `trial ${runId}: ${JSON.stringify(outcomes)}`).toHaveLength(1);
      // A loser either found the run held (the race proper), or, starved past the winner's whole run on
      // a loaded machine, found it finished and was handed its stored result: neither ran anything.
      for (const loser of losers) expect(["ALREADY_RUNNING", "completed (cached)"]).toContain(loser.outcome);
      lateLosers += losers.filter((o) => o.outcome === "completed (cached)").length;

      const effects = effectsOf(runId);
      const winner = winners[0]!.pid;
      const runs = (step: string, pid: number, phase: "start" | "end") =>
        effects.filter((e) => e.step === step && e.pid === pid && e.phase === phase).length;
      // a completed before the kill and is not run again; b was in flight and runs once more, in the winner.
      expect(effects.filter((e) => e.step === "a").map((e) => [e.pid, e.phase])).toEqual([
        [victimPid, "start"],
        [victimPid, "end"],
      ]);
      expect([runs("b", victimPid, "start"), runs("b", victimPid, "end")]).toEqual([1, 0]);
      for (const step of ["b", "c", "d"]) expect([step, runs(step, winner, "start"), runs(step, winner, "end")]).toEqual([step, 1, 1]);
      // Nothing ran anywhere but in the victim and the winner, and the winner's steps never overlapped.
      expect(effects.every((e) => e.pid === victimPid || e.pid === winner)).toBe(true);
      const winnerEffects = effects.filter((e) => e.pid === winner).map((e) => `${e.step}:${e.phase}`);
      expect(winnerEffects).toEqual(["b:start", "b:end", "c:start", "c:end", "d:start", "d:end"]);
    }
    // The racers did race: late arrivals are the exception, not the rule.
    expect(lateLosers, "losers that arrived after the winner had finished").toBeLessThanOrEqual(TRIALS_PER_MODE * (RACERS - 1) * 0.2);
  }, 120_000);
});
