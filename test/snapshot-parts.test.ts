import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createActor } from "xstate";
import { create, joinSnapshot, splitSnapshot, type FlowContext, type Json } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { faultyFlow } from "./fixtures/faulty-flow.js";
import { builtFixture } from "./helpers/build-cli.js";
import { richFlow } from "./fixtures/rich-flow.js";

const dir = mkdtempSync(join(tmpdir(), "orchestrix-parts-"));
let files = 0;
const dbPath = () => join(dir, `runs-${files++}.db`);
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("a snapshot split into a head and parts", () => {
  it("joins back to exactly the persisted snapshot, at every transition of completed and compensated runs", async () => {
    for (const failAt of [null, "sms"]) {
      const handle = richFlow(failAt).start({ order: "o-1", lines: [{ sku: "a", qty: 2 }] });
      const seen: Json[] = [];
      handle.actor.subscribe(() => {
        const persisted = handle.actor.getPersistedSnapshot() as unknown as Json;
        const { head, parts } = splitSnapshot(persisted);
        // Through JSON, as a store keeps them.
        const stored = new Map([...parts].map(([name, value]) => [name, json(value)]));
        expect(joinSnapshot(json(head), stored)).toEqual(json(persisted));
        seen.push(persisted);
      });
      const result = await handle.result;
      expect(result.status).toBe(failAt ? "failed" : "completed");
      expect(seen.length).toBeGreaterThan(4);
    }
  });

  it("keeps a snapshot that is not an Orchestrix run's whole, and refuses a head whose parts are missing", () => {
    const foreign = { value: "x", context: { anything: 1 } };
    expect(splitSnapshot(foreign)).toEqual({ head: foreign, parts: new Map() });
    expect(joinSnapshot(foreign, new Map())).toEqual(foreign);
    const actor = createActor(richFlow(null).machine, { input: { order: "o-1", note: "x".repeat(100) } });
    const { head, parts } = splitSnapshot(json(actor.getPersistedSnapshot()) as unknown as Json);
    // Pending step records and an empty data object need no part; the record of reserve, in flight, stays in the head.
    expect([...parts.keys()]).toEqual(["input"]);
    expect(() => joinSnapshot(head, new Map())).toThrow(/has no part "input"/);
  });

  it("joins what the layout before this one stored (records in flight and the result as parts)", () => {
    // Rows the store of commit 2f6e90c wrote for a finished run and one waiting in its second attempt, with what its load returned.
    const stored = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/parts-layout-2f6e90c.json"), "utf8")) as Record<
      string,
      { head: string; parts: Record<string, string>; snapshot: Json }
    >;
    for (const { head, parts, snapshot } of Object.values(stored)) {
      const joined = joinSnapshot(JSON.parse(head) as Json, new Map(Object.entries(parts).map(([name, text]) => [name, JSON.parse(text) as Json])));
      expect(joined).toEqual(snapshot);
      const again = splitSnapshot(joined);
      expect(joinSnapshot(json(again.head), new Map([...again.parts].map(([name, value]) => [name, json(value)])))).toEqual(snapshot);
    }
    expect(Object.keys(stored["in-flight"]!.parts)).toContain("step:charge"); // the record in flight, a part then
  });

  it("writes a step's record once, when it settles: the record in flight is part of the head", async () => {
    const writes: { part: string }[] = [];
    const store = sqliteStore({ path: dbPath(), onWrite: (write) => writes.push(write) });
    const flow = create("once").step("a", () => 1).step("b", () => 2).step("c", () => 3);
    expect((await flow.run(null, { store, runId: "once-1" })).status).toBe("completed");
    await store.close();
    const parts = writes.map((w) => w.part).filter((part) => part !== "head");
    expect(parts.sort()).toEqual(["output:a", "output:b", "output:c", "step:a", "step:b", "step:c"]);
    expect(writes.filter((w) => w.part === "head")).toHaveLength(4); // create, three transitions; the result is in the last head
  });
});

describe("saves write what changed", () => {
  it("writes the input once and each step's output once; what load returns restores into the machine", async () => {
    const writes: { part: string; bytes: number }[] = [];
    const path = dbPath();
    const store = sqliteStore({ path, onWrite: (write) => writes.push(write) });
    const input = { order: "o-1", blob: "x".repeat(200_000) };
    const steps = Array.from({ length: 20 }, (_, i) => `s${i}`);
    let flow = create("long") as ReturnType<typeof create>;
    for (const name of steps) flow = flow.step(name, () => ({ done: name })) as never;
    const result = await flow.run(input, { store, runId: "long-1" });
    expect(result.status).toBe("completed");
    expect(writes.filter((w) => w.part === "input")).toHaveLength(1);
    for (const name of steps) expect(writes.filter((w) => w.part === `output:${name}`)).toHaveLength(1);
    const total = writes.reduce((sum, w) => sum + w.bytes, 0);
    // The 200 kB input is written once: everything else is a few kB, not 40 copies of it.
    expect(total).toBeLessThan(200_000 + 60_000);

    const loaded = await store.load("long-1");
    const restored = createActor(flow.machine, { snapshot: loaded!.snapshot as never });
    expect(restored.getSnapshot().status).toBe("done");
    expect((restored.getSnapshot().context as { input: unknown }).input).toEqual(input);
    await store.close();
  });

  it("loads a run in flight exactly as its actor persisted it, and continues it elsewhere", async () => {
    const path = dbPath();
    const store = sqliteStore({ path });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const flow = create("paused").step("a", () => "a").step("b", () => gate).step("c", () => "c");
    const handle = flow.start({ big: [1, 2, 3] }, { store, runId: "p-1" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const loaded = await store.load("p-1");
    expect(loaded?.snapshot).toEqual(json(handle.actor.getPersistedSnapshot()));
    release();
    await handle.result;
    expect((await store.load("p-1"))?.snapshot).toEqual(json(handle.actor.getPersistedSnapshot()));
    await store.close();
  });
});

describe("a process killed inside a save", () => {
  // The save that completes b and begins c writes the head, b's record, b's output and the data.
  for (const [part, nth] of [["output:b", 1], ["step:b", 1], ["data", 1]] as const) {
    it(`leaves the run at its previous transition (killed writing ${part})`, async () => {
      const path = dbPath();
      const child = spawnSync(process.execPath, [builtFixture("fault-save")], {
        cwd: join(import.meta.dirname, ".."),
        env: { ...process.env, RUNS_DB: path, FAULT_PART: part, FAULT_NTH: String(nth) },
        encoding: "utf8",
      });
      expect(child.signal).toBe("SIGKILL");
      const db = new Database(path, { readonly: true });
      const head = db.prepare("SELECT seq, status, current_step FROM orchestrix_runs WHERE run_id = 'fault-1'").get() as {
        seq: number;
        status: string;
        current_step: string;
      };
      const newest = db.prepare("SELECT MAX(seq) AS seq FROM orchestrix_run_parts WHERE run_id = 'fault-1'").get() as { seq: number };
      db.close();
      // The killed save completed b and began c: none of it is stored, neither in the head nor in a part.
      expect(head).toMatchObject({ status: "running", current_step: "b" });
      expect(newest.seq).toBeLessThanOrEqual(head.seq);
      const store = sqliteStore({ path });
      const context = ((await store.load("fault-1"))?.snapshot as unknown as { context: FlowContext }).context;
      await store.close();
      expect(context.steps["b"]?.status).toBe("running");
      expect(context.steps["c"]?.status).toBe("pending");
      expect(context.outputs).not.toHaveProperty("b");
      expect(context.data).not.toHaveProperty("note");
    });
  }

  it("can be resumed from there to the end", async () => {
    const path = dbPath();
    spawnSync(process.execPath, [builtFixture("fault-save")], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, RUNS_DB: path, FAULT_PART: "output:b", FAULT_NTH: "1" },
    });
    const store = sqliteStore({ path });
    const result = await faultyFlow.resume("fault-1", { store });
    expect(result).toMatchObject({ status: "completed", outputs: { b: 2, c: 3 }, data: { note: "from b" } });
    await store.close();
  });
});
