import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { create } from "orchestrix";
import { postgresStore } from "orchestrix/postgres";
import { greetFlow } from "./fixtures/cli-flows.js";
import { killAll, startCli, waitForOutput } from "./helpers/cli.js";
import { createDatabase, dropDatabases, postgresUnavailable } from "./support/postgres.js";

/** `--store postgres://…`: the CLI reads and writes the runs a PostgreSQL database holds. */

const root = join(import.meta.dirname, "..");
const skip = await postgresUnavailable();
const databases: string[] = [];
afterAll(() => {
  killAll();
  return dropDatabases(databases);
});

const TABLES = "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env["ORCHESTRIX_STORE"];
  return new Promise((resolve) =>
    execFile(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { cwd: root, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe.skipIf(skip !== undefined)("the CLI on PostgreSQL", () => {
  it("runs a flow into a PostgreSQL store, then lists and shows its runs", async () => {
    const { name, url } = await createDatabase();
    databases.push(name);
    const store = postgresStore({ connectionString: url });
    await greetFlow.run({ name: "Ada" }, { store, runId: "lib-1" });
    await store.close();

    const run = await cli(["run", "test/fixtures/cli-flows.ts", "--flow", "cli-greet", "--input", '{"name":"Bob"}', "--store", url, "--run-id", "cli-1"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    const [list, json, show] = await Promise.all([
      cli(["runs", "list", "--store", url]),
      cli(["runs", "list", "--store", url.replace(/^postgres:/, "postgresql:"), "--json"]),
      cli(["runs", "show", "cli-1", "--store", url]),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^RUN ID +FLOW +STATUS/);
    expect(list.stdout).toMatch(/^lib-1 +cli-greet +completed /m);
    expect(list.stdout).toMatch(/^cli-1 +cli-greet +completed /m);
    const records = JSON.parse(json.stdout) as { runId: string; status: string }[];
    expect(records.map((record) => [record.runId, record.status]).sort()).toEqual([
      ["cli-1", "completed"],
      ["lib-1", "completed"],
    ]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("hello Bob");
  });

  it("lists and shows nothing in an empty database, and creates no table there", async () => {
    const { name, url } = await createDatabase();
    databases.push(name);
    const [list, show] = await Promise.all([cli(["runs", "list", "--store", url]), cli(["runs", "show", "any", "--store", url])]);
    for (const outcome of [list, show]) {
      expect(outcome.code).toBe(1);
      expect(outcome.stderr.trim()).toBe(
        `orchestrix: PostgreSQL database "${name}" at 127.0.0.1:5432 has no Orchestrix tables: no run was ever stored there, and it was opened read-only, so it was left as it is`,
      );
    }
    const store = postgresStore({ connectionString: url });
    const { rows } = await store.pool.query(TABLES);
    expect(rows).toEqual([]);
    await store.close();
  });

  it("inspects an empty database without creating a table there, and shows its runs once one is stored", async () => {
    const { name, url } = await createDatabase();
    databases.push(name);
    const inspect = startCli(["inspect", "--port", "0", "--store", url]);
    try {
      const [, address] = await waitForOutput(inspect, /Orchestrix inspector: (http:\/\/127\.0\.0\.1:\d+)\//);
      const runs = async () => (await (await fetch(`${address}/api/runs`)).json()) as { stored: { runId: string }[]; stats: { storeError: string | null } };
      const empty = await runs();
      expect(empty.stored).toEqual([]);
      expect(empty.stats.storeError).toBe(
        `PostgreSQL database "${name}" at 127.0.0.1:5432 has no Orchestrix tables: no run was ever stored there, and it was opened read-only, so it was left as it is`,
      );
      const store = postgresStore({ connectionString: url });
      expect((await store.pool.query(TABLES)).rows).toEqual([]);
      // The application stores its first run there: the inspector, looking again, lists it.
      await greetFlow.run({ name: "Ada" }, { store, runId: "later-1" });
      await store.close();
      await expect.poll(async () => (await runs()).stored.map((run) => run.runId), { timeout: 10_000 }).toEqual(["later-1"]);
      expect((await runs()).stats.storeError).toBeNull();
    } finally {
      inspect.child.kill("SIGINT");
    }
    expect((await inspect.done).code).toBe(0);
  }, 30_000);

  it("says why nobody holds a run when that is by design: queued for a worker, or parked until its retry", async () => {
    const { name, url } = await createDatabase();
    databases.push(name);
    const store = postgresStore({ connectionString: url });
    await greetFlow.enqueue({ name: "Queued" }, { store, runId: "queued-1" });
    const flaky = create("cli-parked").step(
      "charge",
      () => {
        throw new Error("busy");
      },
      { retries: 1, retryDelayMs: 60_000 },
    );
    const parked = await flaky.run(undefined, { store, runId: "parked-1", parkAfterMs: 1_000 }).catch((error: unknown) => error);
    expect(parked).toMatchObject({ code: "RUN_HANDED_BACK" });
    await store.close();
    const [list, show] = await Promise.all([cli(["runs", "list", "--store", url]), cli(["runs", "show", "parked-1", "--store", url])]);
    expect(list.stdout).toMatch(/^queued-1 +cli-greet +running \(queued\) /m);
    expect(list.stdout).toMatch(/^parked-1 +cli-parked +running \(parked\) +charge \(waiting to retry\) /m);
    expect(show.stdout).toMatch(/^Status +running \(parked until \d{4}-\d\d-\d\dT[\d:.]+Z\)$/m);
    expect(show.stdout).toMatch(/^Owner +\(none: parked until .*; any worker, or runs resume, may take it\)$/m);
  });

  it("says which database it could not reach, and exits 1", async () => {
    const { code, stderr } = await cli(["runs", "list", "--store", "postgres://postgres@127.0.0.1:1/orchestrix_nowhere"]);
    expect(code).toBe(1);
    expect(stderr).toContain('orchestrix: Could not reach the PostgreSQL database "orchestrix_nowhere" at 127.0.0.1:1');
  });
});
