import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  thisOwner,
  create,
  FlowAlreadyRunningError,
  FlowValidationError,
  FlowVersionMismatchError,
  memoryStore,
  resumeAll,
  SnapshotError,
  StoreError,
  type RunRecord,
  type RunStore,
} from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";

let dir: string;
let stores: RunStore[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "orchestrix-durable-"));
});
afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  stores = [];
});

const openSqlite = (file = "runs.db") => {
  const store = sqliteStore({ path: join(dir, file) });
  stores.push(store);
  return store;
};

/** This host, as the engine writes it into `owner` (`host:pid`). */
/** This process's host as owner ids name it (with its pid namespace). */
const thisHost = thisOwner.slice(0, thisOwner.lastIndexOf(":"));
/** A record as another, still running, process on this host would leave it (pid 1 is always alive). */
const heldByLiveProcess = (record: RunRecord): RunRecord => ({ ...record, owner: `${thisHost}:1` });
/** A record as a process that died would leave it. */
const heldByDeadProcess = (record: RunRecord): RunRecord => ({ ...record, owner: `${thisHost}:99999999` });

/** Writes a schema 1 file (as the previous release made it) holding one unfinished run, abandoned by a dead process. */
async function openV1Run(path: string, definitionHash: string): Promise<unknown> {
  const scratch = memoryStore();
  const flow = create("old-file").step("a", () => 1).step("b", () => 2);
  const handle = flow.start(null, { store: scratch, runId: "legacy" });
  handle.actor.stop();
  await handle.result.catch(() => undefined);
  const snapshot = (await scratch.load("legacy"))?.snapshot;
  const db = new Database(path);
  db.exec(`
    CREATE TABLE orchestrix_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE orchestrix_runs (run_id TEXT PRIMARY KEY, flow TEXT NOT NULL, version TEXT, definition_hash TEXT NOT NULL,
      status TEXT NOT NULL, seq INTEGER NOT NULL, snapshot TEXT NOT NULL, current_step TEXT, attempts INTEGER NOT NULL,
      last_error TEXT, owner TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE INDEX orchestrix_runs_status ON orchestrix_runs (status, updated_at);
    CREATE INDEX orchestrix_runs_flow ON orchestrix_runs (flow, updated_at);
    INSERT INTO orchestrix_meta VALUES ('schema_version', '1');`);
  db.prepare(`INSERT INTO orchestrix_runs VALUES ('legacy', 'old-file', NULL, ?, 'running', 2, ?, 'a', 1, NULL, ?, 1, 1)`).run(
    definitionHash,
    JSON.stringify(snapshot),
    `${thisHost}:99999999`,
  );
  db.close();
  return snapshot;
}

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe.each([
  ["memoryStore", () => memoryStore()],
  ["sqliteStore", () => openSqlite()],
])("durable runs on %s", (_name, makeStore) => {
  it("saves after every transition, in order, and ends with the result in the record", async () => {
    const store = makeStore();
    const seen: [number, string, string | null][] = [];
    const observed: RunStore = {
      ...store,
      save: async (record) => {
        seen.push([record.seq, record.status, record.currentStep]);
        return store.save(record);
      },
      create: async (record) => {
        seen.push([record.seq, record.status, record.currentStep]);
        return store.create(record);
      },
    };
    const flow = create("saved")
      .step("a", () => 1)
      .step("b", (ctx) => {
        if (ctx.attempt === 1) throw new Error("once");
        return 2;
      }, { retries: 1, retryDelayMs: 10 });
    const result = await flow.run(null, { store: observed, runId: "r1" });
    expect(seen).toEqual([
      [1, "running", "a"],
      [2, "running", "b"],
      [3, "running", "b (waiting to retry)"],
      [4, "running", "b"],
      [5, "completed", null],
    ]);
    const record = await store.load("r1");
    // The step failed once and then succeeded: the finished run has no current error.
    expect(record).toMatchObject({ runId: "r1", flow: "saved", status: "completed", seq: 5, owner: null, lastError: null, leaseUntil: null });
    expect(record?.definitionHash).toBe(flow.definitionHash);
    expect((record?.snapshot as { output: unknown }).output).toMatchObject({ status: "completed", outputs: result.outputs });
  });

  it("returns the stored result for a finished run id, and runs nothing", async () => {
    const store = makeStore();
    let runs = 0;
    const boom = new Error("declined");
    const flow = create("idempotent").step("pay", () => {
      runs++;
      throw boom;
    });
    const first = await flow.run(null, { store, runId: "order-1" });
    const again = await flow.run(null, { store, key: "order-1" });
    expect(runs).toBe(1);
    expect(again.status).toBe("failed");
    expect(again.runId).toBe("order-1");
    if (again.status === "completed" || first.status === "completed") throw new Error("unreachable");
    expect(first.error).toBe(boom);
    expect(again.error).toBeInstanceOf(Error);
    expect((again.error as Error).message).toBe("declined");
    expect(again.steps[0]?.error).toBeInstanceOf(Error);
  });

  it("runs a finished id again when cacheResult is false or the result outlived ttlMs", async () => {
    const store = makeStore();
    let runs = 0;
    const flow = create("ttl").step("a", () => ++runs);
    await flow.run(null, { store, runId: "k" });
    expect((await flow.run(null, { store, runId: "k", ttlMs: 60_000 })).outputs).toEqual({ a: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await flow.run(null, { store, runId: "k", ttlMs: 10 })).outputs).toEqual({ a: 2 });
    expect((await flow.run(null, { store, runId: "k", cacheResult: false })).outputs).toEqual({ a: 3 });
    expect(runs).toBe(3);
  });

  it("returns the same result promise for an id already running in this process", async () => {
    const store = makeStore();
    const hold = gate();
    let runs = 0;
    const flow = create("joined").step("a", async () => {
      runs++;
      await hold.opened;
      return "done";
    });
    const first = flow.run(null, { store, runId: "same" });
    const second = flow.run(null, { store, runId: "same" });
    expect(second).toBe(first);
    hold.open();
    expect((await second).outputs).toEqual({ a: "done" });
    expect(runs).toBe(1);
  });

  it("refuses an id another live process holds (FlowAlreadyRunningError), or waits for it with throwIfRunning: false", async () => {
    const store = makeStore();
    const hold = gate();
    const flow = create("elsewhere").step("a", async () => {
      await hold.opened;
      return 1;
    });
    const handle = flow.start(null, { store, runId: "busy" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The other process sees the run as held by a live process that is not itself.
    const seenFromElsewhere: RunStore = {
      ...store,
      load: async (runId) => {
        const record = await store.load(runId);
        return record?.status === "running" ? heldByLiveProcess(record) : record;
      },
    };

    const other = create("elsewhere").step("a", () => 2);
    const error = await other.run(null, { store: seenFromElsewhere, runId: "busy" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowAlreadyRunningError);
    expect((error as Error).message).toMatch(/Run "busy" of flow "elsewhere" is already running in .+:1; it is not run twice/);

    const waiting = other.run(null, { store: seenFromElsewhere, runId: "busy", throwIfRunning: false });
    hold.open();
    await handle.result;
    // The "other process" (this test's handle) finishes and saves the final record; the waiter reads it.
    expect((await waiting).outputs).toEqual({ a: 1 });
  });

  it("takes over an id whose process died, continuing from its last snapshot", async () => {
    const store = makeStore();
    const calls: string[] = [];
    const hold = gate();
    const flow = create("orphan")
      .step("a", () => void calls.push("a"))
      .step("b", async () => {
        calls.push("b");
        if (calls.length === 2) await hold.opened;
      });
    const handle = flow.start(null, { store, runId: "orphan-1" });
    while (!calls.includes("b")) await new Promise((resolve) => setTimeout(resolve, 5));
    handle.actor.stop(); // the process "dies" while b runs
    handle.result.catch(() => undefined);
    const record = (await store.load("orphan-1"))!;
    expect(record.currentStep).toBe("b");
    await store.save(heldByDeadProcess({ ...record, seq: record.seq + 1 }));

    const result = await flow.run(null, { store, runId: "orphan-1" });
    expect(result.status).toBe("completed");
    expect(calls).toEqual(["a", "b", "b"]); // a is not re-run; b was in flight and runs again
  });

  it("resumes with flow.resume() and resumeAll(), skipping runs a live process holds", async () => {
    const store = makeStore();
    const flow = create("resumable").step("a", async (ctx) => {
      if (ctx.get("stop") === undefined && ctx.runId !== "done-already") await new Promise(() => {});
      return ctx.runId;
    });
    for (const runId of ["r-dead-1", "r-dead-2", "r-live"]) {
      const handle = flow.start(null, { store, runId });
      handle.result.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 10));
      handle.actor.stop();
      const record = (await store.load(runId))!;
      await store.save((runId === "r-live" ? heldByLiveProcess : heldByDeadProcess)({ ...record, seq: record.seq + 1 }));
    }
    const resumable = create("resumable").step("a", (ctx) => ctx.runId);
    expect((await resumable.resume("r-dead-1", { store })).outputs).toEqual({ a: "r-dead-1" });
    await expect(resumable.resume("r-live", { store })).rejects.toThrow(FlowAlreadyRunningError);
    const outcome = await resumeAll({ store, flows: [resumable] });
    expect(outcome.resumed.map((r) => r.runId)).toEqual(["r-dead-2"]);
    expect(outcome.skipped).toEqual([{ runId: "r-live", flow: "resumable", reason: expect.stringMatching(/^held by /) }]);
    const again = await resumeAll({ store, flows: [resumable] });
    expect(again.resumed).toEqual([]);
    expect(again.skipped).toContainEqual({ runId: "r-dead-2", flow: "resumable", reason: "already running in this process" });
    expect((await outcome.resumed[0]!.result).outputs).toEqual({ a: "r-dead-2" });
    await expect(resumable.resume("nope", { store })).rejects.toThrow(/No stored run "nope"/);
  });

  it("refuses to resume into a flow of another shape, naming both versions, and leaves the record alone", async () => {
    const store = makeStore();
    const v1 = create("versioned", { version: "1" }).step("a", async () => new Promise(() => {}));
    const handle = v1.start(null, { store, runId: "v" });
    handle.result.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    handle.actor.stop();
    const before = (await store.load("v"))!;
    await store.save(heldByDeadProcess({ ...before, seq: before.seq + 1 }));
    const stored = await store.load("v");

    const v2 = create("versioned", { version: "2" }).step("a", () => 1).step("b", () => 2);
    const error = await v2.resume("v", { store }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowVersionMismatchError);
    expect((error as Error).message).toMatch(
      new RegExp(`version "1", definition ${v1.definitionHash}, but this flow is version "2", definition ${v2.definitionHash}`),
    );
    await expect(v2.run(null, { store, runId: "v" })).rejects.toThrow(FlowVersionMismatchError);
    expect(await store.load("v")).toEqual(stored);
  });

  it("refuses a record of another flow, and a snapshot that is not this flow's", async () => {
    const store = makeStore();
    await create("first").step("a", () => 1).run(null, { store, runId: "shared-id" });
    const other = create("second").step("a", () => 1);
    await expect(other.resume("shared-id", { store })).rejects.toThrow(/Run "shared-id" belongs to flow "first", not "second"/);
    await expect(other.run(null, { store, runId: "shared-id" })).rejects.toThrow(SnapshotError);

    const flow = create("first").step("a", () => 1);
    const record = (await store.load("shared-id"))!;
    for (const [snapshot, message] of [
      [null, /it is not an object/],
      [{ status: "weird", value: "x", context: {} }, /its status is "weird"/],
      [{ status: "active", value: "x", context: { runId: "shared-id", flow: { name: "first", definitionHash: flow.definitionHash } } }, /its context has no data object/],
      [{ ...(record.snapshot as object), status: "active", value: { steps: { nope: "running" } } }, /its state \{"steps":\{"nope":"running"\}\} is not a state of this machine/],
    ] as const) {
      await store.save({ ...record, status: "running", owner: null, seq: record.seq + 1, snapshot: snapshot as never });
      const stored = await store.load("shared-id");
      await expect(flow.resume("shared-id", { store })).rejects.toThrow(message);
      expect(await store.load("shared-id")).toEqual(stored);
      record.seq++;
    }
  });

  it("fails the run loudly, and stops it, when a save fails", async () => {
    const store = makeStore();
    let reachedB = false;
    const broken: RunStore = {
      ...store,
      save: async (record) => {
        if (record.seq >= 2) throw new Error("disk full");
        return store.save(record);
      },
    };
    const flow = create("unsaved").step("a", () => 1).step("b", () => {
      reachedB = true;
    });
    const error = await flow.run(null, { store: broken, runId: "u" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/Could not save run "u" of flow "unsaved": disk full\. The run was stopped/);
    expect(reachedB).toBe(false);
  });

  it("refuses to start() a new run under an id the store already holds, without touching it", async () => {
    const store = makeStore();
    const flow = create("unique").step("a", () => 1);
    await flow.run(null, { store, runId: "taken" });
    const before = await store.load("taken");
    await expect(flow.start(null, { store, runId: "taken" }).result).rejects.toThrow(/A run with id "taken" already exists/);
    expect(await store.load("taken")).toEqual(before);
  });

  it("lets a run stopped by a failing store be resumed here once the store works again", async () => {
    const store = makeStore();
    let failNext = false;
    const flaky: RunStore = {
      ...store,
      save: async (record) => {
        if (failNext) {
          failNext = false;
          throw new Error("disk full");
        }
        return store.save(record);
      },
    };
    const calls: string[] = [];
    const flow = create("recoverable")
      .step("a", () => {
        calls.push("a");
        if (calls.length === 1) failNext = true; // only the first run's next save fails
      })
      .step("b", () => void calls.push("b"));
    await expect(flow.run(null, { store: flaky, runId: "rec" })).rejects.toThrow(StoreError);
    expect((await store.load("rec"))?.status).toBe("running");
    const result = await flow.resume("rec", { store: flaky });
    expect(result.status).toBe("completed");
    expect(calls).toEqual(["a", "a", "b"]); // a's completion was never saved, so it ran again
  });

  it("validates the input before joining a live run with the same id", async () => {
    const schema = z.object({ n: z.number() }).refine(async () => true);
    const hold = gate();
    const flow = create("async-join", { schema }).step("a", async () => {
      await hold.opened;
      return 1;
    });
    const store = makeStore();
    const first = flow.run({ n: 1 }, { store, runId: "j" });
    await expect(flow.run({ n: "not a number" } as never, { store, runId: "j" })).rejects.toThrow(FlowValidationError);
    hold.open();
    expect((await first).status).toBe("completed");
  });

  it("counts a step's timeout from when it starts, not from when it began waiting for the store", async () => {
    const store = makeStore();
    const slow: RunStore = {
      ...store,
      create: async (record) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return store.create(record);
      },
      save: async (record) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return store.save(record);
      },
    };
    let calls = 0;
    const flow = create("slow-store").step("quick", () => void calls++, { timeoutMs: 100, retries: 2 });
    const result = await flow.run(null, { store: slow, runId: "t" });
    expect(result.status).toBe("completed");
    expect(calls).toBe(1);
  });

  it("keeps hundreds of concurrent runs without losing one", async () => {
    const store = makeStore();
    const flow = create("many")
      .step("a", (ctx) => ctx.runId)
      .step("b", async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      })
      .step("c", () => "ok");
    const ids = Array.from({ length: 300 }, (_, i) => `m-${i}`);
    const results = await Promise.all(ids.map((runId) => flow.run(null, { store, runId })));
    expect(results.every((r) => r.status === "completed")).toBe(true);
    const { runs: stored } = await store.list({ flow: "many", limit: 1_000 });
    expect(stored).toHaveLength(300);
    expect(stored.every((record) => record.status === "completed" && record.seq === 4)).toBe(true);
  });
});

describe("the SQLite store file", () => {
  const digest = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

  it("is created with its folder on first use, in WAL mode, with a schema version", async () => {
    const path = join(dir, "nested", "deeper", "runs.db");
    const store = sqliteStore({ path });
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT value FROM orchestrix_meta WHERE key = 'schema_version'").get()).toEqual({ value: "3" });
    db.close();
  });

  it("migrates a schema 1 file on first open (to 3), keeping every run and resuming it", async () => {
    const path = join(dir, "schema-1.db");
    const flow = create("old-file").step("a", () => 1).step("b", () => 2);
    const source = await openV1Run(path, flow.definitionHash);
    const store = sqliteStore({ path });
    const record = await store.load("legacy");
    expect(record).toMatchObject({ runId: "legacy", status: "running", seq: 2, fence: 1, leaseUntil: null });
    // The input's hash is worked out on migration: the old run id with other input is refused too.
    await expect(flow.run({ other: "input" }, { store, runId: "legacy" })).rejects.toThrow(/already used with other input/);
    expect(record?.snapshot).toEqual(source);
    const result = await flow.resume("legacy", { store });
    expect(result.status).toBe("completed");
    expect(await store.load("legacy")).toMatchObject({ status: "completed", fence: 2, owner: null });
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT value FROM orchestrix_meta WHERE key = 'schema_version'").get()).toEqual({ value: "3" });
    db.close();
  });

  it("refuses a SQLite file that is not an Orchestrix database, and leaves it untouched", () => {
    const path = join(dir, "app.db");
    const db = new Database(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');");
    db.close();
    const before = digest(path);
    expect(() => sqliteStore({ path })).toThrow(StoreError);
    expect(() => sqliteStore({ path })).toThrow(/app\.db is not an Orchestrix database: it has the tables users and no orchestrix_meta table/);
    expect(digest(path)).toBe(before);
  });

  it("refuses a file that is not SQLite at all, and leaves it untouched", () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "these are my notes, not a database\n".repeat(200));
    const before = digest(path);
    expect(() => sqliteStore({ path })).toThrow(/notes\.txt: file is not a database \(it is not a SQLite database\)/);
    expect(digest(path)).toBe(before);
  });

  it("refuses a database of a newer schema version", () => {
    const path = join(dir, "future.db");
    const db = new Database(path);
    db.exec("CREATE TABLE orchestrix_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO orchestrix_meta VALUES ('schema_version', '7');");
    db.close();
    expect(() => sqliteStore({ path })).toThrow(/schema version 7; this version of Orchestrix reads versions 1 to 3/);
  });

  it("reports a corrupt snapshot with a clear error and leaves the row as it is", async () => {
    const store = openSqlite();
    const flow = create("corrupt").step("a", () => 1);
    await flow.run(null, { store, runId: "c1" });
    const db = new Database(join(dir, "runs.db"));
    db.prepare("UPDATE orchestrix_runs SET snapshot = '{\"status\": \"acti' WHERE run_id = 'c1'").run();
    db.close();
    await expect(flow.resume("c1", { store })).rejects.toThrow(/The snapshot of run "c1" in .*runs\.db is not valid JSON/);
    await expect(flow.run(null, { store, runId: "c1" })).rejects.toThrow(SnapshotError);
    const check = new Database(join(dir, "runs.db"), { readonly: true });
    expect(check.prepare("SELECT snapshot FROM orchestrix_runs WHERE run_id = 'c1'").get()).toEqual({ snapshot: '{"status": "acti' });
    check.close();
  });

  it("rejects saves and reads once closed, failing a run that still uses it", async () => {
    const store = sqliteStore({ path: join(dir, "closing.db") });
    const hold = gate();
    const flow = create("closing").step("a", async () => hold.opened).step("b", () => 2);
    const pending = flow.run(null, { store, runId: "z" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.close();
    hold.open();
    await expect(pending).rejects.toThrow(/The SQLite store .*closing\.db is closed/);
    await expect(store.load("z")).rejects.toThrow(StoreError);
  });
});
