import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { RunStore } from "orchestrix";
import { postgresStore } from "orchestrix/postgres";
import { sqliteStore } from "orchestrix/sqlite";
import { CliError } from "./cli-error.js";

/** A parsed `--store` URL: a store other processes can read too. */
export type StoreUrl =
  | {
      scheme: "sqlite";
      /** Absolute path of the database file. */
      path: string;
      /** The URL as it was given. */
      url: string;
    }
  | {
      scheme: "postgres";
      /** The URL as it was given: it is the connection string. */
      url: string;
    };

const EXAMPLE = "sqlite:./runs.db";
const POSTGRES_EXAMPLE = "postgres://user@127.0.0.1:5432/app";

/**
 * Parses `--store`: `sqlite:<path>` (also `sqlite://<path>`, so `sqlite:///abs/runs.db` works; a relative
 * path is taken from the current directory), or a PostgreSQL URL `postgres://…` / `postgresql://…`.
 */
export function parseStoreUrl(url: string): StoreUrl {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(url.trim());
  if (!match) {
    throw new CliError(`Expected --store to be a store URL such as ${EXAMPLE}, got ${JSON.stringify(url)} (no scheme)`);
  }
  const scheme = (match[1] ?? "").toLowerCase();
  let rest = match[2] ?? "";
  if (scheme === "memory") {
    throw new CliError(
      `--store memory: keeps runs in the memory of a single process, so a CLI command could never see them; ` +
        `expected sqlite:<database file>, e.g. ${EXAMPLE}, or ${POSTGRES_EXAMPLE}`,
    );
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    if (!/^\/\/[^/]/.test(rest)) {
      throw new CliError(`Expected a PostgreSQL URL with a host, e.g. ${POSTGRES_EXAMPLE}; got ${JSON.stringify(url)}`);
    }
    return { scheme: "postgres", url: url.trim() };
  }
  if (scheme !== "sqlite") {
    throw new CliError(
      `Expected --store to use the sqlite: or postgres: scheme, e.g. ${EXAMPLE} or ${POSTGRES_EXAMPLE}; got ${JSON.stringify(url)} (scheme "${scheme}:")`,
    );
  }
  if (rest.startsWith("//")) rest = rest.slice(2);
  if (rest === "") throw new CliError(`Expected a database file after "sqlite:", e.g. ${EXAMPLE}; got ${JSON.stringify(url)}`);
  return { scheme, path: resolve(rest), url };
}

/** How a command opens its store. */
export interface OpenOptions {
  /** A missing file is an error rather than a new empty database (a typo in a path should not look like "no runs"). */
  mustExist: boolean;
  /** Only reads: the file is opened read-only, never created, migrated or written. */
  readonly?: boolean;
}

/**
 * Opens the store a `--store` URL names. A PostgreSQL database that does not exist is refused by
 * the server, naming it.
 */
export function openStore(url: StoreUrl, options: OpenOptions): RunStore {
  // The CLI answers a person: a database that is down is reported in seconds, not retried for long.
  // Read-only commands never create the tables: an empty database is reported as such, and left alone.
  if (url.scheme === "postgres") return postgresStore({ connectionString: url.url, retryForMs: 2_000, ...(options.readonly ? { readonly: true } : {}) });
  if (options.mustExist && !existsSync(url.path)) {
    throw new CliError(
      `No database at ${url.path} (from --store ${url.url}): expected an Orchestrix SQLite file; ` +
        `check the path, or create it by running a flow with --store`,
    );
  }
  return sqliteStore({ path: url.path, ...(options.readonly ? { readonly: true } : {}) });
}

/** Opens the store of `url`, hands it to `work`, and closes it afterwards (pending saves are flushed). */
export async function withStore<T>(url: string, options: OpenOptions, work: (store: RunStore, parsed: StoreUrl) => Promise<T>): Promise<T> {
  const parsed = parseStoreUrl(url);
  const store = openStore(parsed, options);
  try {
    return await work(store, parsed);
  } finally {
    await store.close();
  }
}
