/** The benchmark's own databases on the local PostgreSQL, and what the server counted for them. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { ADMIN_URL, withDatabase } from "../../test/support/postgres.js";

/** A database made for one measurement. */
export interface BenchDatabase {
  /** Its name, `bench_<kind>_<random>`. */
  name: string;
  /** Its connection string. */
  url: string;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named for `kind` (e.g. `orx`, `dbos`). */
export async function createBenchDatabase(kind: string): Promise<BenchDatabase> {
  const name = `bench_${kind}_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return { name, url: withDatabase(name) };
}

/** Drops a database made by {@link createBenchDatabase}, closing whatever still holds it open. */
export async function dropBenchDatabase(database: BenchDatabase): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database.name} WITH (FORCE)`));
}

/** Commits and rows written in one database, as the server's statistics count them. */
export interface DatabaseCounts {
  /** Committed transactions (each statement outside a transaction is one). */
  commits: number;
  /** Rows inserted, updated and deleted. */
  rowsWritten: number;
}

/** The server's counts for a database now (statistics reach the view within about a second). */
export async function databaseCounts(database: BenchDatabase): Promise<DatabaseCounts> {
  return admin(async (client) => {
    const { rows } = await client.query<{ commits: string; written: string }>(
      "SELECT xact_commit AS commits, tup_inserted + tup_updated + tup_deleted AS written FROM pg_stat_database WHERE datname = $1",
      [database.name],
    );
    return { commits: Number(rows[0]?.commits ?? Number.NaN), rowsWritten: Number(rows[0]?.written ?? Number.NaN) };
  });
}

/** The PIDs of the server processes connected to a database now. */
export async function backendPids(database: BenchDatabase): Promise<number[]> {
  return admin(async (client) => {
    const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [database.name]);
    return rows.map((row) => row.pid);
  });
}

/**
 * The median time of one small committed write in a database now (50 in a row on a table of its
 * own): what every durable step waits for at least once, on this disk and at this load.
 */
export async function commitLatencyMs(database: BenchDatabase): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query("CREATE TABLE IF NOT EXISTS bench_commit_probe (at float8)");
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await client.query("INSERT INTO bench_commit_probe VALUES ($1)", [started]);
      times.push(performance.now() - started);
    }
    await client.query("DROP TABLE bench_commit_probe");
    return times.sort((a, b) => a - b)[25] ?? Number.NaN;
  } finally {
    await client.end();
  }
}
