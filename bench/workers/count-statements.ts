/**
 * A profiling aid for the worker benchmark (the local PostgreSQL has no pg_stat_statements, and
 * loading it takes a server restart): preloaded into a measured process with
 * `NODE_FLAGS="--import tsx --import ./bench/workers/count-statements.ts"`, it counts every statement
 * the process's `pg` sends, with its mean time to answer, and writes them on exit (SIGTERM too) to
 * `$STATEMENTS_DIR/<pid>.json` (default the system's temporary folder).
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Tally {
  count: number;
  totalMs: number;
}

type Query = (this: unknown, config: unknown, values?: unknown, callback?: unknown) => unknown;

// The pg the process's own entry point resolves: the main package's for a worker, bench/peers' for DBOS.
const pg = createRequire(process.argv[1] ?? import.meta.url)("pg") as { Client: { prototype: { query: Query } } };
const tallies = new Map<string, Tally>();
const original = pg.Client.prototype.query;

pg.Client.prototype.query = function (this: unknown, config: unknown, values?: unknown, callback?: unknown) {
  const text = typeof config === "string" ? config : ((config as { text?: string } | null)?.text ?? "?");
  const key = text.replace(/\s+/g, " ").trim().slice(0, 100);
  const tally = tallies.get(key) ?? { count: 0, totalMs: 0 };
  tallies.set(key, tally);
  tally.count++;
  const started = performance.now();
  const stop = () => void (tally.totalMs += performance.now() - started);
  const wrap = (done: unknown) => (typeof done === "function" ? (...args: unknown[]) => (stop(), done(...args)) : done);
  if (typeof values === "function") return original.call(this, config, wrap(values));
  if (typeof callback === "function") return original.call(this, config, values, wrap(callback));
  const submittable = config as { callback?: unknown } | null;
  if (submittable && typeof submittable.callback === "function") submittable.callback = wrap(submittable.callback);
  const answer = original.call(this, config, values, callback);
  if (answer instanceof Promise) answer.then(stop, stop);
  return answer;
};

const write = () => {
  const rows = [...tallies].sort((a, b) => b[1].count - a[1].count).map(([statement, t]) => ({ count: t.count, meanMs: t.totalMs / t.count, statement }));
  writeFileSync(join(process.env["STATEMENTS_DIR"] ?? tmpdir(), `${process.pid}.json`), JSON.stringify(rows, null, 1));
};
process.once("exit", write);
process.once("SIGTERM", () => {
  write();
  // Let the process's own SIGTERM handling go on (a worker stops gracefully, DBOS shuts down).
  if (process.listenerCount("SIGTERM") === 0) process.exit(0);
});
