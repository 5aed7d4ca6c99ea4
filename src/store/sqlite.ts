import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SnapshotError, StoreError, type Json, type RunQuery, type RunRecord, type RunStore } from "orchestrix";

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file; created (with its folder) on first use. */
  path: string;
  /**
   * `"full"`: every commit is fsynced (survives power loss). `"normal"`: WAL without fsync per
   * commit (survives a killed process, not a power cut). @default "full"
   */
  synchronous?: "full" | "normal";
  /** How long to wait for a lock held by another process. @default 5000 */
  busyTimeoutMs?: number;
  /**
   * Open an existing database for reading only: nothing is created, migrated or written (a missing or
   * empty file is an error), and a file the process may not write to can still be read. @default false
   */
  readonly?: boolean;
}

/** The schema version this code writes; a newer file is refused rather than misread. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE orchestrix_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE orchestrix_runs (
  run_id TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  version TEXT,
  definition_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  seq INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  current_step TEXT,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  owner TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX orchestrix_runs_status ON orchestrix_runs (status, updated_at);
CREATE INDEX orchestrix_runs_flow ON orchestrix_runs (flow, updated_at);
`;

interface Row {
  run_id: string;
  flow: string;
  version: string | null;
  definition_hash: string;
  status: RunRecord["status"];
  seq: number;
  snapshot: string;
  current_step: string | null;
  attempts: number;
  last_error: string | null;
  owner: string | null;
  created_at: number;
  updated_at: number;
}

interface Pending {
  kind: "create" | "save";
  record: RunRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Keeps runs in a SQLite file (better-sqlite3, WAL). Saves queued in the same tick are committed
 * together in one transaction, and each resolves only after that commit: many runs share one
 * fsync, and no save is acknowledged before it is durable.
 */
export function sqliteStore(options: SqliteStoreOptions): RunStore {
  const { path } = options;
  const db = openDatabase(path, options);
  const insert = db.prepare(
    `INSERT INTO orchestrix_runs (run_id, flow, version, definition_hash, status, seq, snapshot, current_step, attempts, last_error, owner, created_at, updated_at)
     VALUES (@run_id, @flow, @version, @definition_hash, @status, @seq, @snapshot, @current_step, @attempts, @last_error, @owner, @created_at, @updated_at)
     ON CONFLICT (run_id) DO NOTHING`,
  );
  const upsert = db.prepare(
    `INSERT INTO orchestrix_runs (run_id, flow, version, definition_hash, status, seq, snapshot, current_step, attempts, last_error, owner, created_at, updated_at)
     VALUES (@run_id, @flow, @version, @definition_hash, @status, @seq, @snapshot, @current_step, @attempts, @last_error, @owner, @created_at, @updated_at)
     ON CONFLICT (run_id) DO UPDATE SET
       flow = excluded.flow, version = excluded.version, definition_hash = excluded.definition_hash,
       status = excluded.status, seq = excluded.seq, snapshot = excluded.snapshot,
       current_step = excluded.current_step, attempts = excluded.attempts, last_error = excluded.last_error,
       owner = excluded.owner, updated_at = excluded.updated_at
     WHERE excluded.seq > orchestrix_runs.seq`,
  );
  const selectOne = db.prepare<[string], Row>(`SELECT * FROM orchestrix_runs WHERE run_id = ?`);
  const remove = db.prepare(`DELETE FROM orchestrix_runs WHERE run_id = ?`);

  let queue: Pending[] = [];
  let scheduled = false;
  let closed = false;

  // Within one transaction only the newest save of a run matters: the older ones would be
  // overwritten before the commit makes any of them visible. They are acknowledged all the same.
  const commit = db.transaction((batch: Pending[]) => {
    const newest = new Map<string, number>();
    batch.forEach((item, index) => {
      if (item.kind !== "save") return;
      const best = newest.get(item.record.runId);
      if (best === undefined || item.record.seq > (batch[best]?.record.seq ?? 0)) newest.set(item.record.runId, index);
    });
    return batch.map((item, index) => {
      if (item.kind === "save" && newest.get(item.record.runId) !== index) return 1;
      return (item.kind === "create" ? insert : upsert).run(toRow(item.record)).changes;
    });
  });

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let changes: number[];
    try {
      changes = commit(batch);
    } catch (cause) {
      const error = new StoreError(`Could not write to the SQLite store ${path}: ${(cause as Error).message}`, { cause });
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      if (item.kind === "create" && changes[index] === 0) {
        item.reject(new StoreError(`A run with id "${item.record.runId}" already exists in ${path}`));
      } else {
        item.resolve();
      }
    });
  };

  const ensureOpen = () => {
    if (closed) throw new StoreError(`The SQLite store ${path} is closed`);
  };

  const enqueue = (kind: Pending["kind"], record: RunRecord) =>
    new Promise<void>((resolve, reject) => {
      ensureOpen();
      queue.push({ kind, record, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });

  const read = <T>(work: () => T): Promise<T> => {
    try {
      ensureOpen();
      flush(); // reads see every write queued before them
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof StoreError || error instanceof SnapshotError ? error : wrap(path, error));
    }
  };

  return {
    create: (record) => enqueue("create", record),
    save: (record) => enqueue("save", record),
    load: (runId) =>
      read(() => {
        const row = selectOne.get(runId);
        return row && fromRow(row, path);
      }),
    list: (query: RunQuery = {}) =>
      read(() => {
        const where: string[] = [];
        const params: (string | number)[] = [];
        if (query.status !== undefined) {
          const statuses = ([] as string[]).concat(query.status);
          where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
          params.push(...statuses);
        }
        if (query.flow !== undefined) {
          where.push("flow = ?");
          params.push(query.flow);
        }
        const sql = `SELECT * FROM orchestrix_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY updated_at DESC LIMIT ?`;
        const limit = Math.min(query.limit ?? 100, Number.MAX_SAFE_INTEGER);
        return (db.prepare(sql).all(...params, limit) as Row[]).map((row) => fromRow(row, path));
      }),
    delete: (runId) =>
      read(() => {
        remove.run(runId);
      }),
    close: async () => {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}

function openDatabase(path: string, options: SqliteStoreOptions): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ":memory:" && !options.readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5_000, readonly: options.readonly === true, fileMustExist: options.readonly === true });
  } catch (cause) {
    throw wrap(path, cause);
  }
  try {
    // Look before writing anything: a file that is not ours must be left exactly as it is.
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name);
    if (tables.length > 0 && !tables.includes("orchestrix_meta")) {
      throw new StoreError(
        `${path} is not an Orchestrix database: it has the tables ${tables.join(", ")} and no orchestrix_meta table. It was not touched`,
      );
    }
    if (tables.length > 0) {
      const row = db.prepare(`SELECT value FROM orchestrix_meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
      const version = Number(row?.value);
      if (version !== SCHEMA_VERSION) {
        throw new StoreError(`${path} has Orchestrix schema version ${row?.value ?? "(none)"}; this version of Orchestrix reads version ${SCHEMA_VERSION}`);
      }
    }
    if (options.readonly) {
      if (tables.length === 0) throw new StoreError(`${path} is empty: it is not an Orchestrix database yet, and was opened read-only, so it was left as it is`);
      return db;
    }
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
    if (tables.length === 0) {
      // Another process may be creating the same new file: look again under the write lock.
      db.transaction(() => {
        const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orchestrix_meta'`).get();
        if (exists) return;
        db.exec(SCHEMA);
        db.prepare(`INSERT INTO orchestrix_meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
      }).immediate();
    }
    return db;
  } catch (cause) {
    db.close();
    throw cause instanceof StoreError ? cause : wrap(path, cause);
  }
}

function wrap(path: string, cause: unknown): StoreError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const hint = /file is not a database|file is encrypted/i.test(message) ? " (it is not a SQLite database)" : "";
  return new StoreError(`SQLite store ${path}: ${message}${hint}`, { cause });
}

function toRow(record: RunRecord): Row {
  return {
    run_id: record.runId,
    flow: record.flow,
    version: record.version,
    definition_hash: record.definitionHash,
    status: record.status,
    seq: record.seq,
    snapshot: JSON.stringify(record.snapshot),
    current_step: record.currentStep,
    attempts: record.attempts,
    last_error: record.lastError,
    owner: record.owner,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function fromRow(row: Row, path: string): RunRecord {
  let snapshot: Json;
  try {
    snapshot = JSON.parse(row.snapshot) as Json;
  } catch (cause) {
    throw new SnapshotError(`The snapshot of run "${row.run_id}" in ${path} is not valid JSON (${(cause as Error).message}); it was left as it is`, {
      flow: row.flow,
      cause,
    });
  }
  return {
    runId: row.run_id,
    flow: row.flow,
    version: row.version,
    definitionHash: row.definition_hash,
    status: row.status,
    seq: row.seq,
    snapshot,
    currentStep: row.current_step,
    attempts: row.attempts,
    lastError: row.last_error,
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
