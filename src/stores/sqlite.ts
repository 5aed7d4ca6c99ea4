import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import {
  RunExistsError,
  RunNotFoundError,
  SnapshotError,
  StoreError,
  decodeRunCursor,
  encodeRunCursor,
  fencedSaveError as fenced,
  hashRunInput,
  joinSnapshot,
  readFlowSnapshot,
  splitSnapshot,
  type Json,
  type RunQuery,
  type RunRecord,
  type RunStore,
  type RunSummary,
  type SaveEffects,
  type StoredSignal,
} from "orchestrix";

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
   * Called for every row a save writes, inside its transaction, before the commit: for measuring
   * what saves cost, and for fault injection (a hook that kills the process leaves the run at its
   * previous transition).
   */
  onWrite?: (write: { runId: string; part: string; bytes: number }) => void;
  /**
   * Open an existing database for reading only: nothing is created, migrated or written (a missing or
   * empty file is an error), and a file the process may not write to can still be read. @default false
   */
  readonly?: boolean;
}

/** The schema version this code writes; older files are migrated, a newer one is refused rather than misread. */
const SCHEMA_VERSION = 3;

const SCHEMA_V1 = `
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

/** Each migration takes the schema from the version before it to its own; index 0 makes version 1. */
const MIGRATIONS: ((db: Database.Database) => void)[] = [
  (db) => db.exec(SCHEMA_V1),
  // 2: ownership (fence, lease), the input's hash, listings newest first served by indexes, and
  // snapshots kept as a head plus parts, so a save writes what changed rather than the whole past.
  (db) => {
    db.exec(`
      ALTER TABLE orchestrix_runs ADD COLUMN input_hash TEXT NOT NULL DEFAULT '';
      ALTER TABLE orchestrix_runs ADD COLUMN fence INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE orchestrix_runs ADD COLUMN lease_until INTEGER;
      DROP INDEX orchestrix_runs_status;
      DROP INDEX orchestrix_runs_flow;
      CREATE INDEX orchestrix_runs_newest ON orchestrix_runs (updated_at DESC, run_id DESC);
      CREATE INDEX orchestrix_runs_status ON orchestrix_runs (status, updated_at DESC, run_id DESC);
      CREATE INDEX orchestrix_runs_flow ON orchestrix_runs (flow, updated_at DESC, run_id DESC);
      CREATE TABLE orchestrix_run_parts (
        run_id TEXT NOT NULL,
        part TEXT NOT NULL,
        seq INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, part)
      ) WITHOUT ROWID;
    `);
    const rows = db.prepare(`SELECT run_id, seq, snapshot FROM orchestrix_runs`).all() as { run_id: string; seq: number; snapshot: string }[];
    // The input's hash is worked out from each snapshot, so reusing an old run id with other input is refused too.
    const setHead = db.prepare(`UPDATE orchestrix_runs SET snapshot = ?, input_hash = ? WHERE run_id = ?`);
    const insertPart = db.prepare(`INSERT INTO orchestrix_run_parts (run_id, part, seq, value) VALUES (?, ?, ?, ?)`);
    for (const row of rows) {
      let snapshot: Json;
      try {
        snapshot = JSON.parse(row.snapshot) as Json;
      } catch {
        continue; // a corrupt snapshot stays as it is, and is reported when the run is loaded
      }
      const { head, parts } = splitSnapshot(snapshot);
      const reading = readFlowSnapshot(snapshot);
      setHead.run(JSON.stringify(head), reading.ok ? hashRunInput(reading.snapshot.context.input) : "", row.run_id);
      for (const [part, value] of parts) insertPart.run(row.run_id, part, row.seq, JSON.stringify(value));
    }
  },
  // 3: signals for durable waits, kept until the save that takes them in marks them (taken_seq).
  (db) =>
    db.exec(`
      CREATE TABLE orchestrix_signals (
        run_id TEXT NOT NULL,
        signal_id TEXT NOT NULL,
        name TEXT NOT NULL,
        payload TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        taken_seq INTEGER,
        UNIQUE (run_id, signal_id)
      );
    `),
];

const SUMMARY_COLUMNS =
  "run_id, flow, version, definition_hash, input_hash, status, seq, current_step, attempts, last_error, owner, fence, lease_until, created_at, updated_at";

interface SummaryRow {
  run_id: string;
  flow: string;
  version: string | null;
  definition_hash: string;
  input_hash: string;
  status: RunRecord["status"];
  seq: number;
  current_step: string | null;
  attempts: number;
  last_error: string | null;
  owner: string | null;
  fence: number;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

interface Row extends SummaryRow {
  snapshot: string;
}

interface Pending {
  kind: "create" | "save";
  record: RunRecord;
  effects: SaveEffects | undefined;
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
    `INSERT INTO orchestrix_runs (${SUMMARY_COLUMNS}, snapshot)
     VALUES (@run_id, @flow, @version, @definition_hash, @input_hash, @status, @seq, @current_step, @attempts, @last_error, @owner, @fence, @lease_until, @created_at, @updated_at, @snapshot)
     ON CONFLICT (run_id) DO NOTHING`,
  );
  // A save never moves the lease (renew does); a run that ended is held by nobody. Positional
  // parameters: binding them costs less than looking up named ones, and this runs on every save.
  const update = db.prepare(
    `UPDATE orchestrix_runs SET
       status = ?, seq = ?, snapshot = ?, current_step = ?, attempts = ?, last_error = ?, owner = ?, updated_at = ?,
       lease_until = CASE WHEN ? = 'running' THEN lease_until ELSE NULL END
     WHERE run_id = ? AND fence = ? AND seq < ?`,
  );
  const updateHead = (row: Row) =>
    update.run(row.status, row.seq, row.snapshot, row.current_step, row.attempts, row.last_error, row.owner, row.updated_at, row.status, row.run_id, row.fence, row.seq)
      .changes > 0;
  const selectFence = db.prepare<[string], { fence: number }>(`SELECT fence FROM orchestrix_runs WHERE run_id = ?`);
  const selectOne = db.prepare<[string], Row>(`SELECT * FROM orchestrix_runs WHERE run_id = ?`);
  const selectExists = db.prepare<[string], { found: number }>(`SELECT 1 AS found FROM orchestrix_runs WHERE run_id = ?`);
  const claimRun = db.prepare(`UPDATE orchestrix_runs SET fence = fence + 1, owner = ?, lease_until = ? WHERE run_id = ? AND fence = ? AND lease_until IS ?`);
  const renewLease = db.prepare(`UPDATE orchestrix_runs SET lease_until = ? WHERE run_id = ? AND fence = ?`);
  const releaseRun = db.prepare(`UPDATE orchestrix_runs SET owner = NULL, lease_until = NULL WHERE run_id = ? AND fence = ?`);
  const remove = db.prepare(`DELETE FROM orchestrix_runs WHERE run_id = ?`);
  const removeAt = db.prepare(`DELETE FROM orchestrix_runs WHERE run_id = ? AND fence = ?`);
  const removeParts = db.prepare(`DELETE FROM orchestrix_run_parts WHERE run_id = ?`);
  const selectParts = db.prepare<[string], { part: string; value: string }>(`SELECT part, value FROM orchestrix_run_parts WHERE run_id = ?`);
  const insertSignal = db.prepare(`INSERT INTO orchestrix_signals (run_id, signal_id, name, payload, sent_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  const takeSignal = db.prepare(`UPDATE orchestrix_signals SET taken_seq = ? WHERE run_id = ? AND signal_id = ? AND taken_seq IS NULL`);
  const selectSignals = db.prepare<[string], { signal_id: string; name: string; payload: string; sent_at: number }>(
    `SELECT signal_id, name, payload, sent_at FROM orchestrix_signals WHERE run_id = ? AND taken_seq IS NULL ORDER BY rowid`,
  );
  const removeSignals = db.prepare(`DELETE FROM orchestrix_signals WHERE run_id = ?`);
  // Parts are written many rows per statement: one statement per save would cost more than the rows.
  const PARTS_PER_STATEMENT = 64;
  const upsertParts = new Map<number, Database.Statement>();
  const upsertStatement = (rows: number) => {
    let statement = upsertParts.get(rows);
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO orchestrix_run_parts (run_id, part, seq, value) VALUES ${Array(rows).fill("(?, ?, ?, ?)").join(", ")}
         ON CONFLICT (run_id, part) DO UPDATE SET seq = excluded.seq, value = excluded.value`,
      );
      upsertParts.set(rows, statement);
    }
    return statement;
  };
  const writeParts = (values: (string | number)[]) => {
    for (let start = 0; start < values.length; start += PARTS_PER_STATEMENT * 4) {
      const chunk = values.slice(start, start + PARTS_PER_STATEMENT * 4);
      upsertStatement(chunk.length / 4).run(...chunk);
    }
  };
  const { onWrite } = options;

  // The parts of each run as this store last committed them, to write only those a save changed.
  // Snapshots are immutable and share what did not change, so a changed part is a new object.
  const committed = new Map<string, Map<string, Json>>();

  /** Writes a run's head (through `write`) and the parts that differ from the last committed ones; false when the head was not written. */
  const writeRun = (
    record: RunRecord,
    write: (row: Row) => boolean,
    written: Map<string, Map<string, Json>>,
    fresh: boolean,
    partRows: (string | number)[],
  ): boolean => {
    const { head, parts } = splitSnapshot(record.snapshot);
    const row = toRow(record, head);
    if (!write(row)) return false;
    onWrite?.({ runId: record.runId, part: "head", bytes: row.snapshot.length });
    // A new run has no parts yet, whatever an older run of this id had.
    const before = fresh ? undefined : (written.get(record.runId) ?? committed.get(record.runId));
    for (const [part, value] of parts) {
      if (before?.get(part) === value) continue;
      const text = JSON.stringify(value);
      partRows.push(record.runId, part, record.seq, text);
      onWrite?.({ runId: record.runId, part, bytes: text.length });
    }
    written.set(record.runId, parts);
    return true;
  };

  const readRun = (row: Row): RunRecord => {
    const head = parseJson(row.snapshot, row, path, "snapshot");
    const parts = new Map(selectParts.all(row.run_id).map((part) => [part.part, parseJson(part.value, row, path, `part "${part.part}"`)]));
    try {
      return { ...fromSummaryRow(row), snapshot: joinSnapshot(head, parts) };
    } catch (cause) {
      throw new SnapshotError(`The snapshot of run "${row.run_id}" in ${path} is incomplete: ${(cause as Error).message}; it was left as it is`, {
        flow: row.flow,
        cause,
      });
    }
  };

  let queue: Pending[] = [];
  let scheduled = false;
  let closed = false;

  // Within one transaction only the newest save of a run matters: the older ones would be
  // overwritten before the commit makes any of them visible. Each save settles as its newest does.
  const commit = db.transaction((batch: Pending[], written: Map<string, Map<string, Json>>): (Error | undefined)[] => {
    const newest = new Map<string, Pending>();
    // The signals each run's saves of this batch took in: taken with its newest save, which includes them.
    const taken = new Map<string, string[]>();
    for (const item of batch) {
      const best = newest.get(item.record.runId);
      if (item.kind === "save" && (best === undefined || item.record.seq > best.record.seq)) newest.set(item.record.runId, item);
      const ids = item.effects?.takeSignals;
      if (ids && ids.length > 0) taken.set(item.record.runId, [...(taken.get(item.record.runId) ?? []), ...ids]);
    }
    const outcome = new Map<Pending, Error | undefined>();
    const partRows: (string | number)[] = [];
    for (const item of batch) {
      const { runId } = item.record;
      if (item.kind === "create") {
        const created = writeRun(item.record, (row) => insert.run(row).changes > 0, written, true, partRows);
        outcome.set(item, created ? undefined : new RunExistsError(runId, `A run with id "${runId}" already exists in ${path}`));
      } else if (newest.get(runId) === item) {
        if (writeRun(item.record, updateHead, written, false, partRows)) {
          for (const id of taken.get(runId) ?? []) takeSignal.run(item.record.seq, runId, id);
        } else {
          // Nothing changed: either a newer save of this owner is stored already, or another owner took the run.
          const current = selectFence.get(runId)?.fence;
          outcome.set(item, current === item.record.fence ? undefined : fenced(runId, current, item.record.fence));
        }
      }
    }
    writeParts(partRows);
    return batch.map((item) => (item.kind === "create" ? outcome.get(item) : outcome.get(newest.get(item.record.runId) ?? item)));
  });

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: (Error | undefined)[];
    const written = new Map<string, Map<string, Json>>();
    try {
      outcomes = commit.immediate(batch, written);
    } catch (cause) {
      const error = new StoreError(`Could not write to the SQLite store ${path}: ${(cause as Error).message}`, { cause });
      for (const item of batch) item.reject(error);
      return;
    }
    // Only now are the written parts durable; a run that ended is written no more.
    for (const [runId, parts] of written) committed.set(runId, parts);
    for (const item of batch) if (item.record.status !== "running") committed.delete(item.record.runId);
    batch.forEach((item, index) => {
      const error = outcomes[index];
      if (error) item.reject(error);
      else item.resolve();
    });
  };

  const ensureOpen = () => {
    if (closed) throw new StoreError(`The SQLite store ${path} is closed`);
  };

  const enqueue = (kind: Pending["kind"], record: RunRecord, effects?: SaveEffects) =>
    new Promise<void>((resolve, reject) => {
      ensureOpen();
      queue.push({ kind, record, effects, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });

  const read = <T>(work: () => T): Promise<T> => {
    try {
      ensureOpen();
      flush(); // reads and conditional writes see every write queued before them
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof StoreError || error instanceof SnapshotError || error instanceof RunNotFoundError ? error : wrap(path, error));
    }
  };

  return {
    create: (record) => enqueue("create", record),
    save: (record, effects) => enqueue("save", record, effects),
    signal: (runId, signal) =>
      read(() =>
        db
          .transaction(() => {
            if (!selectFence.get(runId)) throw new RunNotFoundError(runId);
            return insertSignal.run(runId, signal.id, signal.name, JSON.stringify(signal.payload), signal.sentAt).changes > 0;
          })
          .immediate(),
      ),
    signals: (runId) =>
      read(() =>
        selectSignals.all(runId).map(
          (row): StoredSignal => ({ id: row.signal_id, name: row.name, payload: JSON.parse(row.payload) as Json, sentAt: row.sent_at }),
        ),
      ),
    claim: (runId, request) =>
      read(() => {
        const claimed = db
          .transaction(() => {
            if (claimRun.run(request.owner, request.leaseUntil, runId, request.fence, request.heldUntil).changes === 0) return undefined;
            // Read inside the claim: a run that cannot be read is not claimed (the transaction rolls back).
            const row = selectOne.get(runId);
            return row && readRun(row);
          })
          .immediate();
        // Another process owns what is stored from now on: forget what this store last wrote of it.
        committed.delete(runId);
        return claimed && { fence: claimed.fence, record: claimed };
      }),
    renew: (runId, fence, leaseUntil) => read(() => renewLease.run(leaseUntil, runId, fence).changes > 0),
    release: (runId, fence) =>
      read(() => {
        releaseRun.run(runId, fence);
      }),
    load: (runId) =>
      read(() => {
        // A run that is not there needs no transaction (a new run's id is looked up before it starts).
        if (!selectExists.get(runId)) return undefined;
        // Head and parts in one read transaction: another process's commit cannot fall between them.
        return db.transaction(() => {
          const row = selectOne.get(runId);
          return row && readRun(row);
        })();
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
        if (query.updatedAfter !== undefined) {
          where.push("updated_at > ?");
          params.push(query.updatedAfter);
        }
        if (query.after !== undefined) {
          const after = decodeRunCursor(query.after);
          where.push("(updated_at < ? OR (updated_at = ? AND run_id < ?))");
          params.push(after.updatedAt, after.updatedAt, after.runId);
        }
        const limit = Math.min(query.limit ?? 100, Number.MAX_SAFE_INTEGER - 1);
        const sql =
          `SELECT ${SUMMARY_COLUMNS} FROM orchestrix_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ` +
          `ORDER BY updated_at DESC, run_id DESC LIMIT ?`;
        const rows = db.prepare(sql).all(...params, limit + 1) as SummaryRow[];
        const runs = rows.slice(0, limit).map(fromSummaryRow);
        const last = runs[runs.length - 1];
        return rows.length > limit && last ? { runs, next: encodeRunCursor(last) } : { runs };
      }),
    delete: (runId, fence) =>
      read(() => {
        db.transaction(() => {
          if ((fence === undefined ? remove.run(runId) : removeAt.run(runId, fence)).changes > 0) {
            removeParts.run(runId);
            removeSignals.run(runId);
          }
        }).immediate();
        committed.delete(runId);
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
    const readVersion = () => {
      const row = db.prepare(`SELECT value FROM orchestrix_meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
      return { text: row?.value ?? "(none)", number: Number(row?.value) };
    };
    if (tables.length > 0) {
      const version = readVersion();
      if (!Number.isInteger(version.number) || version.number < 1 || version.number > SCHEMA_VERSION) {
        throw new StoreError(
          `${path} has Orchestrix schema version ${version.text}; this version of Orchestrix reads versions 1 to ${SCHEMA_VERSION}. It was not touched`,
        );
      }
    }
    if (options.readonly) {
      if (tables.length === 0) throw new StoreError(`${path} is empty: it is not an Orchestrix database yet, and was opened read-only, so it was left as it is`);
      if (readVersion().number !== SCHEMA_VERSION) {
        throw new StoreError(
          `${path} has Orchestrix schema version ${readVersion().text} and was opened read-only, so it was not migrated to version ${SCHEMA_VERSION}; ` +
            `open it once with a writable store (e.g. orchestrix runs resume, or any run) to migrate it`,
        );
      }
      return db;
    }
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
    // Another process may be creating or migrating the same file: look again under the write lock.
    db.transaction(() => {
      const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orchestrix_meta'`).get();
      const from = exists ? readVersion().number : 0;
      if (from >= SCHEMA_VERSION) return;
      for (const migration of MIGRATIONS.slice(from)) migration(db);
      db.prepare(`INSERT INTO orchestrix_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(
        String(SCHEMA_VERSION),
      );
    }).immediate();
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

function toRow(record: RunRecord, head: Json): Row {
  return {
    run_id: record.runId,
    flow: record.flow,
    version: record.version,
    definition_hash: record.definitionHash,
    input_hash: record.inputHash,
    status: record.status,
    seq: record.seq,
    snapshot: JSON.stringify(head),
    current_step: record.currentStep,
    attempts: record.attempts,
    last_error: record.lastError,
    owner: record.owner,
    fence: record.fence,
    lease_until: record.leaseUntil,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

function fromSummaryRow(row: SummaryRow): RunSummary {
  return {
    runId: row.run_id,
    flow: row.flow,
    version: row.version,
    definitionHash: row.definition_hash,
    inputHash: row.input_hash,
    status: row.status,
    seq: row.seq,
    currentStep: row.current_step,
    attempts: row.attempts,
    lastError: row.last_error,
    owner: row.owner,
    fence: row.fence,
    leaseUntil: row.lease_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function parseJson(text: string, row: SummaryRow, path: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (cause) {
    throw new SnapshotError(`The ${what} of run "${row.run_id}" in ${path} is not valid JSON (${(cause as Error).message}); it was left as it is`, {
      flow: row.flow,
      cause,
    });
  }
}
