import { spawn } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, StoreError } from "orchestrix";
import { postgresStore } from "orchestrix/postgres";
import { createDatabase, dropDatabases, postgresUnavailable, withDatabase } from "./support/postgres.js";
import { privatePostgres, type PrivatePostgres } from "./support/private-postgres.js";
import { recordOf } from "./support/store-contract.js";

/** The PostgreSQL store beyond the shared contract: the engine on it, migrations, and a database that goes away. */

const root = join(import.meta.dirname, "..");
const skip = await postgresUnavailable();
const databases: string[] = [];
afterAll(() => dropDatabases(databases));

async function freshDatabase(): Promise<string> {
  const { name, url } = await createDatabase();
  databases.push(name);
  return url;
}

describe.skipIf(skip !== undefined)("postgresStore", () => {
  it("keeps a flow's runs durably, and groups the saves of many runs into few statements", async () => {
    const pool = new pg.Pool({ connectionString: await freshDatabase() });
    let checkouts = 0;
    pool.on("acquire", () => checkouts++);
    const store = postgresStore({ pool });
    const flow = create("pg-many")
      .step("a", () => 1)
      .step("b", async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return 2;
      })
      .step("c", () => 3);
    const ids = Array.from({ length: 200 }, (_, i) => `m-${i}`);
    const results = await Promise.all(ids.map((runId) => flow.run(null, { store, runId })));
    expect(results.every((result) => result.status === "completed")).toBe(true);
    const { runs } = await store.list({ flow: "pg-many", limit: 1_000 });
    expect(runs).toHaveLength(200);
    expect(runs.every((run) => run.status === "completed" && run.owner === null && run.leaseUntil === null)).toBe(true);
    const again = await flow.run(null, { store, runId: "m-7" });
    expect(again).toMatchObject({ status: "completed", outputs: { c: 3 } });
    // 200 runs save 4 times each (and claim and check once): one statement per save would be 1,000 and more.
    console.log(`postgresStore: 200 runs, ${checkouts} connection checkouts`);
    expect(checkouts).toBeLessThan(400);
    await store.close();
    // A pool passed in belongs to the caller: closing the store leaves it open.
    expect((await pool.query("SELECT count(*)::int AS n FROM orchestrix_runs")).rows[0]).toEqual({ n: 200 });
    await pool.end();
  });

  it("survives a statement the server refuses: that call fails with StoreError, the next ones work", async () => {
    const store = postgresStore({ connectionString: await freshDatabase() });
    await store.create(recordOf("r1"));
    // A seq that is not an integer is refused by the bigint column.
    const refused = await store.save(recordOf("r1", { seq: 2.5 })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).message).toMatch(/PostgreSQL database "orchestrix_t_\w+" at 127\.0\.0\.1:5432: invalid input syntax for type bigint/);
    await expect(store.create(recordOf("r1"))).rejects.toThrow(/already exists/);
    expect((await store.load("r1"))?.seq).toBe(1);
    await store.save(recordOf("r1", { seq: 4, currentStep: "after the failure" }));
    expect(await store.load("r1")).toMatchObject({ seq: 4, currentStep: "after the failure" });
    await store.close();
  });

  it("keeps snapshots as JSON exactly, NUL characters and deep nesting included", async () => {
    const store = postgresStore({ connectionString: await freshDatabase() });
    const snapshot = { text: "a\u0000b \"quoted\" \\ ünï", list: [1.5, -0, 1e300, null, true], deep: { a: { b: { c: [] } } } };
    await store.create(recordOf("j1", { snapshot }));
    expect((await store.load("j1"))?.snapshot).toEqual({ ...snapshot, list: [1.5, 0, 1e300, null, true] });
    await store.close();
  });

  it("refuses a database whose schema is newer than this code, and leaves it alone", async () => {
    const url = await freshDatabase();
    await postgresStore({ connectionString: url }).close();
    const first = postgresStore({ connectionString: url });
    await first.load("x");
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO orchestrix_schema_version (version) VALUES (9)");
    const store = postgresStore({ connectionString: url });
    await expect(store.load("x")).rejects.toThrow(/schema version 9; this version of Orchestrix reads versions 1 to 2/);
    expect((await client.query("SELECT version FROM orchestrix_schema_version ORDER BY version")).rows).toEqual([{ version: 1 }, { version: 2 }, { version: 9 }]);
    await client.end();
    await store.close();
  });

  it("names the database when it does not exist", async () => {
    const store = postgresStore({ connectionString: withDatabase("orchestrix_no_such_db"), retryForMs: 0 });
    const error = await store.load("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/"orchestrix_no_such_db" at 127\.0\.0\.1:5432.*does not exist/);
    await store.close();
  });

  it("migrates once when several processes open an empty database at the same moment", async () => {
    for (let trial = 0; trial < 2; trial++) {
      const url = await freshDatabase();
      const children = Array.from({ length: 3 }, () => {
        const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/pg-migrate.ts"], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: url },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        const ready = new Promise<void>((resolve) =>
          child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("ready")) resolve();
          }),
        );
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
          child.on("exit", (code) => resolve({ code, out, err })),
        );
        return { child, ready, exited };
      });
      // The barrier: every process is up and connected-to-be before any of them makes its first call.
      await Promise.all(children.map((c) => c.ready));
      for (const { child } of children) child.stdin.write("go\n");
      const outcomes = await Promise.all(children.map((c) => c.exited));
      for (const outcome of outcomes) {
        expect(outcome.err).toBe("");
        expect(outcome).toMatchObject({ code: 0 });
        expect(outcome.out).toContain("ok");
      }
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      expect((await client.query("SELECT version FROM orchestrix_schema_version ORDER BY version")).rows).toEqual([{ version: 1 }, { version: 2 }]);
      await client.end();
    }
  }, 60_000);
});

describe("postgresStore when the database goes away", () => {
  let server: PrivatePostgres | string = "not started";
  beforeAll(async () => {
    server = await privatePostgres();
    if (typeof server === "string") console.warn(`\n!!! SKIPPING the PostgreSQL restart tests: ${server} !!!\n`);
  });
  afterAll(() => {
    if (typeof server !== "string") server.destroy();
  });

  it("rejects with a StoreError naming the database while it is down, loses nothing, and works again once it is back", async (context) => {
    if (typeof server === "string") return context.skip();
    const db = server;
    const store = postgresStore({ connectionString: db.url, retryForMs: 300 });
    await store.create(recordOf("down-1"));
    await store.save(recordOf("down-1", { seq: 2, currentStep: "saved before" }));

    db.stop();
    try {
      const port = new URL(db.url).port;
      const started = Date.now();
      const down = await store.save(recordOf("down-1", { seq: 3 })).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(StoreError);
      expect((down as StoreError).message).toMatch(new RegExp(`Could not reach the PostgreSQL database "postgres" at 127\\.0\\.0\\.1:${port} .*is PostgreSQL running`));
      // It kept trying for retryForMs before giving up.
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      await expect(store.load("down-1")).rejects.toBeInstanceOf(StoreError);
    } finally {
      db.start();
    }
    expect(await store.load("down-1")).toMatchObject({ seq: 2, currentStep: "saved before" });
    await store.save(recordOf("down-1", { seq: 3, currentStep: "saved after" }));
    expect(await store.load("down-1")).toMatchObject({ seq: 3, currentStep: "saved after" });
    await store.close();
  }, 60_000);

  it("carries calls over a restart: they wait for the server and succeed", async (context) => {
    if (typeof server === "string") return context.skip();
    const db = server;
    const store = postgresStore({ connectionString: db.url, retryForMs: 30_000 });
    await store.create(recordOf("restart-1"));
    // Every pooled connection is cut by the restart; the pool must drop them and dial again.
    await Promise.all(Array.from({ length: 5 }, (_, i) => store.load(`warm-${i}`)));
    db.restart();
    await store.save(recordOf("restart-1", { seq: 2, currentStep: "after restart" }));
    const during = Promise.all([store.save(recordOf("restart-1", { seq: 3 })), store.load("restart-1")]);
    db.stop();
    const back = new Promise<void>((resolve) => setTimeout(() => resolve(db.start()), 1_000));
    await during;
    await back;
    expect(await store.load("restart-1")).toMatchObject({ seq: 3 });
    await store.close();
  }, 60_000);
});
