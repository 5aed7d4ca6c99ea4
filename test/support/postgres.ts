import { randomBytes } from "node:crypto";
import pg from "pg";

/**
 * The PostgreSQL the tests use: `ORCHESTRIX_TEST_PG`, or the local server CI starts. Each test
 * file makes its own databases (`orchestrix_t_<random>`), so parallel runs never share tables.
 */
export const ADMIN_URL = process.env["ORCHESTRIX_TEST_PG"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** Why PostgreSQL tests cannot run here, or `undefined` when they can. In CI an unreachable database is a failure, not a skip. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL at ${ADMIN_URL} is unreachable (${(error as Error).message})`;
    if (process.env["CI"]) throw new Error(`${reason}: CI must run the PostgreSQL tests`);
    console.warn(`\n!!! SKIPPING the PostgreSQL tests: ${reason}. Start it, or set ORCHESTRIX_TEST_PG. !!!\n`);
    return reason;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The connection string of `ADMIN_URL` with another database (or host and port) in it. */
export function withDatabase(database: string, base = ADMIN_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, base = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database; resolves with its connection string. */
export async function createDatabase(base = ADMIN_URL): Promise<{ name: string; url: string }> {
  const name = `orchestrix_t_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`), base);
  return { name, url: withDatabase(name, base) };
}

/** Drops databases made by {@link createDatabase}, even with connections still open. */
export async function dropDatabases(names: string[], base = ADMIN_URL): Promise<void> {
  if (names.length === 0) return;
  await admin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }, base);
}
