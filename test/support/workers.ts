import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { postgresStore, type PostgresStore } from "orchestrix/postgres";
import { ADMIN_URL, createDatabase } from "./postgres.js";

/**
 * Worker processes for the tests (`orchestrix worker test/fixtures/worker-flows.ts`), and the
 * side-effect log their steps write: every attempt of every step, with its process and times, in
 * the `effects` table of the database, so a test sees across killed and stopped processes what ran
 * where and when.
 */

const root = join(import.meta.dirname, "../..");
const children = new Set<ChildProcess>();

/** One attempt of one step, as the fixture logged it. */
export interface Effect {
  run_id: string;
  step: string;
  attempt: number;
  pid: number;
  started_at: number;
  ended_at: number | null;
  ok: boolean | null;
}

/** A worker process, and what it printed. */
export type WorkerProcess = ChildProcess & { exited: Promise<number | null>; stdout: () => string };

/** A fresh database with an `effects` table, a store on it, and a reader of the log. */
export async function setUp(base = ADMIN_URL): Promise<{ name: string; url: string; store: PostgresStore; effects: () => Promise<Effect[]> }> {
  const { name, url } = await createDatabase(base);
  const store = postgresStore({ connectionString: url });
  await store.pool.query(
    "CREATE TABLE effects (id serial PRIMARY KEY, run_id text, step text, attempt int, pid int, started_at float8, ended_at float8, ok boolean)",
  );
  const effects = async () => (await store.pool.query<Effect>("SELECT * FROM effects ORDER BY started_at, id")).rows;
  return { name, url, store, effects };
}

/** Starts `orchestrix worker` and resolves once it says it is running. */
export async function startWorker(
  url: string,
  options: { env?: Record<string, string>; leaseMs?: number; concurrency?: number; parkAfterMs?: number } = {},
): Promise<WorkerProcess> {
  const args = [
    "worker",
    "test/fixtures/worker-flows.ts",
    "--store",
    url,
    "--concurrency",
    String(options.concurrency ?? 4),
    "--lease-ms",
    String(options.leaseMs ?? 2_000),
    ...(options.parkAfterMs === undefined ? [] : ["--park-after-ms", String(options.parkAfterMs)]),
  ];
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(": running ")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`worker exited ${code} before it started: ${err}`)));
  });
  return Object.assign(child, { exited, stdout: () => out });
}

/** Kills every worker still running (for `afterEach`). */
export function killWorkers(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Resolves once `condition` holds, looking every 25 ms; rejects after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The running runs a process holds. */
export async function runsOwnedBy(store: PostgresStore, pid: number): Promise<string[]> {
  const { runs } = await store.list({ status: "running", limit: 1_000 });
  return runs.filter((run) => run.owner?.endsWith(`:${pid}`)).map((run) => run.runId);
}

/** Items grouped by a key, in order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Attempts of one run that overlap in time in two processes; an attempt that never ended ends at `cutAt`. */
export function overlaps(effects: readonly Effect[], cutAt: number): string[] {
  const found: string[] = [];
  for (const [runId, list] of groupBy(effects, (effect) => effect.run_id)) {
    for (const a of list) {
      for (const b of list) {
        if (a === b || a.pid === b.pid) continue;
        const aEnd = a.ended_at ?? cutAt;
        if (a.started_at < b.started_at && b.started_at < aEnd) found.push(`${runId}: ${a.step}@${a.pid} and ${b.step}@${b.pid}`);
      }
    }
  }
  return found;
}
