import pg from "pg";
import {
  OrchestrixError,
  RunNotFoundError,
  StoreError,
  decodeRunCursor,
  encodeRunCursor,
  fencedSaveError as fenced,
  type Claim,
  type RunQuery,
  type RunQueue,
  type RunRecord,
  type RunStore,
  type RunSummary,
  type SaveEffects,
  type StoredSignal,
} from "orchestrix";
import { stopSender } from "../worker/queue.js";
import { RUN_ENDED_CHANNEL, postgresEndings } from "./postgres-endings.js";
import { postgresQueue } from "./postgres-queue.js";

/** Where {@link postgresStore} finds its database: a connection string, or a pool you own. */
export type PostgresConnection =
  | {
      /** e.g. `postgres://user@127.0.0.1:5432/app`; the store makes (and on `close()` ends) its own pool. */
      connectionString: string;
      /** Connections of the store's own pool. @default 10 */
      maxConnections?: number;
      pool?: never;
    }
  | {
      /** A pool you made and end yourself; give it an `"error"` listener, as pg asks of every pool. */
      pool: pg.Pool;
      connectionString?: never;
      maxConnections?: never;
    };

/** Options of {@link postgresStore}. */
export type PostgresStoreOptions = PostgresConnection & {
  /**
   * How long a call keeps trying while the database cannot be reached (a restart, a fail-over)
   * before it rejects with `StoreError`. @default 10000
   */
  retryForMs?: number;
  /**
   * Only read: the tables are never created or migrated (a database without them is reported, not
   * changed), and every write rejects. What `orchestrix runs list|show` opens. @default false
   */
  readonly?: boolean;
};

/** A {@link RunStore} on PostgreSQL; workers and the queue share its pool. */
export interface PostgresStore extends RunStore {
  /** The pool the store queries through (its own, or the one passed in). */
  readonly pool: pg.Pool;
  /** The database, named for messages (never with its password). */
  readonly where: string;
  /** Queues runs on pg-boss in the same database: `flow.enqueue` stores and queues a run in one transaction. */
  readonly queue: RunQueue;
}

/** The schema version this code writes; a database at a newer version is refused rather than misread. */
const SCHEMA_VERSION = 2;

/** Each migration takes the schema from the version before it to its own; index 0 makes version 1. */
const MIGRATIONS = [
  // Ids compare byte-wise (COLLATE "C") so that paging does not depend on the server's locale.
  `
  CREATE TABLE orchestrix_runs (
    run_id text COLLATE "C" PRIMARY KEY,
    flow text NOT NULL,
    version text,
    definition_hash text NOT NULL,
    input_hash text NOT NULL,
    status text NOT NULL,
    seq bigint NOT NULL,
    snapshot json NOT NULL,
    current_step text,
    attempts integer NOT NULL,
    last_error text,
    owner text,
    fence bigint NOT NULL,
    lease_until bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX orchestrix_runs_newest ON orchestrix_runs (updated_at DESC, run_id DESC);
  CREATE INDEX orchestrix_runs_status ON orchestrix_runs (status, updated_at DESC, run_id DESC);
  CREATE INDEX orchestrix_runs_flow ON orchestrix_runs (flow, updated_at DESC, run_id DESC);
  CREATE INDEX orchestrix_runs_leases ON orchestrix_runs (lease_until) WHERE status = 'running';
  `,
  // 2: signals for durable waits, kept until the save that takes them in marks them (taken_seq).
  `
  CREATE TABLE orchestrix_signals (
    position bigserial PRIMARY KEY,
    run_id text COLLATE "C" NOT NULL,
    signal_id text NOT NULL,
    name text NOT NULL,
    payload json NOT NULL,
    sent_at bigint NOT NULL,
    taken_seq bigint,
    UNIQUE (run_id, signal_id)
  );
  `,
];

/** The advisory lock every process takes before it looks at or changes the schema ("orchestr" as a 64-bit number). */
const MIGRATION_LOCK = "8030590385584829554";

const SUMMARY_COLUMNS =
  "run_id, flow, version, definition_hash, input_hash, status, seq, current_step, attempts, last_error, owner, fence, lease_until, created_at, updated_at";

// Rows come back as RunSummary / RunRecord as they are: camelCase names, bigints as numbers (exact below 2^53).
const SUMMARY_FIELDS = `run_id AS "runId", flow, version, definition_hash AS "definitionHash", input_hash AS "inputHash", status,
  seq::float8 AS seq, current_step AS "currentStep", attempts, last_error AS "lastError", owner, fence::float8 AS fence,
  lease_until::float8 AS "leaseUntil", created_at::float8 AS "createdAt", updated_at::float8 AS "updatedAt"`;
const RECORD_FIELDS = `${SUMMARY_FIELDS}, snapshot`;

/** The record fields each batched statement takes, in the order of its array parameters. */
const INSERT_FIELDS = [
  "runId", "flow", "version", "definitionHash", "inputHash", "status", "seq", "currentStep",
  "attempts", "lastError", "owner", "fence", "leaseUntil", "createdAt", "updatedAt", "snapshot",
] as const satisfies readonly (keyof RunRecord)[];
const UPDATE_FIELDS = [
  "runId", "fence", "status", "seq", "snapshot", "currentStep", "attempts", "lastError", "owner", "updatedAt",
] as const satisfies readonly (keyof RunRecord)[];

/** One array per field, over the records: how a batch goes to the server as one statement. */
function columnsOf(records: readonly RunRecord[], fields: readonly (keyof RunRecord)[]): unknown[][] {
  return fields.map((field) => records.map((record) => (field === "snapshot" ? JSON.stringify(record.snapshot) : record[field])));
}

// Saves and creates of one tick go to the server as one statement each, the records as arrays.
const INSERT_RUNS = `
  INSERT INTO orchestrix_runs (${SUMMARY_COLUMNS}, snapshot)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[],
                       $9::int[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::json[])
  ON CONFLICT (run_id) DO NOTHING
  RETURNING run_id`;

// A save never moves the lease (renew does); a run that ended is held by nobody. A save that ends a
// run notifies in the same statement, so the word goes out when the end is committed.
const UPDATE_RUNS = `
  WITH updated AS (
    UPDATE orchestrix_runs AS r SET
      status = v.status, seq = v.seq, snapshot = v.snapshot, current_step = v.current_step, attempts = v.attempts,
      last_error = v.last_error, owner = v.owner, updated_at = v.updated_at,
      lease_until = CASE WHEN v.status = 'running' THEN r.lease_until ELSE NULL END
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::json[], $6::text[], $7::int[], $8::text[], $9::text[], $10::bigint[])
      AS v(run_id, fence, status, seq, snapshot, current_step, attempts, last_error, owner, updated_at)
    WHERE r.run_id = v.run_id AND r.fence = v.fence AND r.seq < v.seq
    RETURNING r.run_id, r.status
  )
  SELECT u.run_id FROM updated AS u
  LEFT JOIN LATERAL (SELECT pg_notify('${RUN_ENDED_CHANNEL}', md5(u.run_id)) WHERE u.status <> 'running') AS ended ON true`;

/** The most records one statement carries; more wait for the next one. */
const MAX_BATCH = 500;

interface Pending {
  kind: "create" | "save";
  record: RunRecord;
  effects: SaveEffects | undefined;
  settle: (error: Error | undefined) => void;
  /** Resolves (never rejects) once this write is settled: what later reads wait for. */
  done: Promise<void>;
}

/**
 * Keeps runs in PostgreSQL, for many processes on many machines. The tables are created on first
 * use (`orchestrix_runs`, `orchestrix_schema_version`) under an advisory lock, so processes starting
 * together migrate once. Saves queued in the same tick go to the server in one statement and each
 * resolves once that statement has committed. While the database is unreachable, calls retry for
 * `retryForMs`, then reject with `StoreError`; the pool reconnects when it is back.
 *
 * @example
 * const store = postgresStore({ connectionString: "postgres://app@127.0.0.1:5432/app" });
 * await flow.run(input, { store, runId: `order-${orderId}` });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
  // An idle connection the server dropped (a restart) is reported here and removed by the pool;
  // without a listener it would crash the process.
  if (owned) pool.on("error", () => {});
  const where = describeDatabase(options);
  const retryForMs = options.retryForMs ?? 10_000;

  let closed = false;
  let ready: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closed) throw new StoreError(`The PostgreSQL store (${where}) is closed`);
  };
  const ensureWritable = () => {
    ensureOpen();
    if (options.readonly) throw new StoreError(`The PostgreSQL store (${where}) was opened read-only; nothing was written`);
  };

  /**
   * Runs `work` on one connection. A call that could not reach the server is tried again until
   * `retryForMs` has passed; one that may have reached it only when `retryable` (its write is
   * conditional, so doing it twice changes nothing). A connection that saw any error is discarded,
   * so a broken or half-done transaction never goes back to the pool.
   */
  const withClient = async <T>(retryable: boolean, work: (client: pg.PoolClient, retry: boolean) => Promise<T>): Promise<T> => {
    const deadline = Date.now() + retryForMs;
    for (let delay = 50, retry = false; ; delay = Math.min(delay * 2, 1_000), retry = true) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (cause) {
        if (unreachable(cause) && !closed && Date.now() < deadline) {
          await sleep(Math.min(delay, deadline - Date.now()));
          continue;
        }
        throw storeError(where, cause, retryForMs);
      }
      try {
        const result = await work(client, retry);
        client.release();
        return result;
      } catch (cause) {
        client.release(true);
        if (cause instanceof OrchestrixError) throw cause;
        if (retryable && unreachable(cause) && !closed && Date.now() < deadline) {
          await sleep(Math.min(delay, deadline - Date.now()));
          continue;
        }
        throw storeError(where, cause, retryForMs);
      }
    }
  };

  /** A read-only store only checks that the tables are there, at this code's version. */
  const checkSchema = () =>
    withClient(true, async (client) => {
      const { rows: found } = await client.query<{ table: string | null }>("SELECT to_regclass('orchestrix_schema_version')::text AS table");
      if (!found[0]?.table) {
        throw new StoreError(`${where} has no Orchestrix tables: no run was ever stored there, and it was opened read-only, so it was left as it is`);
      }
      const { rows } = await client.query<{ version: number }>("SELECT coalesce(max(version), 0) AS version FROM orchestrix_schema_version");
      const version = rows[0]?.version ?? 0;
      if (version !== SCHEMA_VERSION) {
        throw new StoreError(
          `${where} has Orchestrix schema version ${version} and was opened read-only, so it was not migrated to version ${SCHEMA_VERSION}; ` +
            `start a worker or any run on it once to migrate it`,
        );
      }
    });

  const migrate = () =>
    withClient(true, async (client) => {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK]);
      await client.query(
        "CREATE TABLE IF NOT EXISTS orchestrix_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const { rows } = await client.query<{ version: number }>("SELECT coalesce(max(version), 0) AS version FROM orchestrix_schema_version");
      const from = rows[0]?.version ?? 0;
      if (from > SCHEMA_VERSION) {
        throw new StoreError(
          `${where} has Orchestrix schema version ${from}; this version of Orchestrix reads versions 1 to ${SCHEMA_VERSION}. It was not touched`,
        );
      }
      for (const [index, migration] of MIGRATIONS.entries()) {
        if (index < from) continue;
        await client.query(migration);
        await client.query("INSERT INTO orchestrix_schema_version (version) VALUES ($1)", [index + 1]);
      }
      await client.query("COMMIT");
    });

  // Migrating happens once; a failed attempt (database down) is forgotten, so the next call tries again.
  const ensureReady = () => {
    ready ??= (options.readonly ? checkSchema() : migrate()).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  let queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let scheduled = false;

  const pump = () => {
    scheduled = false;
    if (inFlight || queue.length === 0) return;
    const batch = queue.slice(0, MAX_BATCH);
    queue = queue.slice(MAX_BATCH);
    inFlight = writeBatch(batch).finally(() => {
      inFlight = undefined;
      pump();
    });
  };

  const writeBatch = async (batch: Pending[]) => {
    let outcomes: Map<Pending, Error | undefined>;
    try {
      await ensureReady();
      outcomes = await withClient(true, (client, retry) => commitBatch(client, batch, retry, where));
    } catch (error) {
      for (const item of batch) item.settle(error as Error);
      return;
    }
    for (const item of batch) item.settle(outcomes.get(item));
  };

  const enqueue = (kind: Pending["kind"], record: RunRecord, effects?: SaveEffects) =>
    new Promise<void>((resolve, reject) => {
      ensureWritable();
      let settled!: () => void;
      const done = new Promise<void>((resolveDone) => (settled = resolveDone));
      queue.push({
        kind,
        record,
        effects,
        done,
        settle: (error) => {
          settled();
          if (error) reject(error);
          else resolve();
        },
      });
      if (!scheduled && !inFlight) {
        scheduled = true;
        setImmediate(pump);
      }
    });

  /** Reads and conditional writes wait for every write queued before them, as the SQLite store does. */
  const afterQueued = async () => {
    ensureOpen();
    const waits = queue.map((item) => item.done);
    if (inFlight) waits.push(inFlight);
    pump();
    await Promise.all(waits);
    await ensureReady();
  };

  const run = async <T>(retryable: boolean, work: (client: pg.PoolClient, retry: boolean) => Promise<T>): Promise<T> => {
    await afterQueued();
    return withClient(retryable, work);
  };
  const write = <T>(work: (client: pg.PoolClient, retry: boolean) => Promise<T>): Promise<T> => {
    try {
      ensureWritable();
    } catch (error) {
      return Promise.reject(error);
    }
    return run(true, work);
  };

  const runQueue = postgresQueue({
    pool,
    transaction: (work) =>
      write(async (client, retry) => {
        await client.query("BEGIN");
        const result = await work(client, retry);
        await client.query("COMMIT");
        return result;
      }),
    insert: async (client, record) => (await client.query(INSERT_RUNS, columnsOf([record], INSERT_FIELDS))).rowCount === 1,
    summary: async (client, runId) =>
      (await client.query<RunSummary>(`SELECT ${SUMMARY_FIELDS} FROM orchestrix_runs WHERE run_id = $1`, [runId])).rows[0],
  });

  const endings = postgresEndings(pool);

  return {
    pool,
    where,
    queue: runQueue,
    endings,
    create: (record) => enqueue("create", record),
    save: (record, effects) => enqueue("save", record, effects),
    signal: (runId, signal) =>
      // Recording twice is recording once (the signal's id is unique per run), so a retry is safe.
      write(async (client) => {
        const { rows } = await client.query<{ inserted: boolean; exists: boolean }>(
          `WITH run AS (SELECT 1 FROM orchestrix_runs WHERE run_id = $1),
                inserted AS (
                  INSERT INTO orchestrix_signals (run_id, signal_id, name, payload, sent_at)
                  SELECT $1, $2, $3, $4::json, $5 WHERE EXISTS (SELECT 1 FROM run)
                  ON CONFLICT (run_id, signal_id) DO NOTHING RETURNING 1)
           SELECT EXISTS (SELECT 1 FROM inserted) AS inserted, EXISTS (SELECT 1 FROM run) AS exists`,
          [runId, signal.id, signal.name, JSON.stringify(signal.payload), signal.sentAt],
        );
        if (!rows[0]?.exists) throw new RunNotFoundError(runId);
        return rows[0].inserted;
      }),
    signals: (runId) =>
      run(true, async (client) => {
        const { rows } = await client.query<StoredSignal>(
          `SELECT signal_id AS id, name, payload, sent_at::float8 AS "sentAt" FROM orchestrix_signals
           WHERE run_id = $1 AND taken_seq IS NULL ORDER BY position`,
          [runId],
        );
        return rows;
      }),
    claim: (runId, request) =>
      write(async (client, retry): Promise<Claim | undefined> => {
        const claimed = await client.query<RunRecord>(
          // The lease must be the one read too: an owner that renewed since is alive.
          `UPDATE orchestrix_runs SET fence = fence + 1, owner = $1, lease_until = $2
           WHERE run_id = $3 AND fence = $4 AND lease_until IS NOT DISTINCT FROM $5 RETURNING ${RECORD_FIELDS}`,
          [request.owner, request.leaseUntil, runId, request.fence, request.heldUntil],
        );
        let row = claimed.rows[0];
        if (!row && retry) {
          // The first try may have committed before its connection broke: then the claim is ours.
          const stored = (await client.query<RunRecord>(`SELECT ${RECORD_FIELDS} FROM orchestrix_runs WHERE run_id = $1`, [runId])).rows[0];
          const ours = stored && stored.fence === request.fence + 1 && stored.owner === request.owner && stored.leaseUntil === request.leaseUntil;
          if (ours) row = stored;
        }
        return row && { fence: row.fence, record: row };
      }),
    renew: (runId, fence, leaseUntil) =>
      write(async (client) => {
        const { rowCount } = await client.query(`UPDATE orchestrix_runs SET lease_until = $1 WHERE run_id = $2 AND fence = $3`, [leaseUntil, runId, fence]);
        return (rowCount ?? 0) > 0;
      }),
    release: (runId, fence) =>
      write(async (client) => {
        await client.query(`UPDATE orchestrix_runs SET owner = NULL, lease_until = NULL WHERE run_id = $1 AND fence = $2`, [runId, fence]);
      }),
    load: (runId) =>
      run(true, async (client) => {
        return (await client.query<RunRecord>(`SELECT ${RECORD_FIELDS} FROM orchestrix_runs WHERE run_id = $1`, [runId])).rows[0];
      }),
    list: async (query: RunQuery = {}) => {
      // A bad cursor is the caller's mistake: refuse it before touching the database.
      const after = query.after === undefined ? undefined : decodeRunCursor(query.after);
      return run(true, async (client) => {
        const conditions: string[] = [];
        const params: unknown[] = [];
        const param = (value: unknown) => {
          params.push(value);
          return `$${params.length}`;
        };
        if (query.status !== undefined) conditions.push(`status = ANY(${param(([] as string[]).concat(query.status))}::text[])`);
        if (query.flow !== undefined) conditions.push(`flow = ${param(query.flow)}`);
        if (query.updatedAfter !== undefined) conditions.push(`updated_at > ${param(query.updatedAfter)}`);
        if (after !== undefined) conditions.push(`(updated_at, run_id) < (${param(after.updatedAt)}, ${param(after.runId)})`);
        const limit = Math.min(query.limit ?? 100, Number.MAX_SAFE_INTEGER - 1);
        const sql =
          `SELECT ${SUMMARY_FIELDS} FROM orchestrix_runs ${conditions.length ? `WHERE ${conditions.join(" AND ")}` : ""} ` +
          `ORDER BY updated_at DESC, run_id DESC LIMIT ${param(limit + 1)}`;
        const { rows } = await client.query<RunSummary>(sql, params);
        const runs = rows.slice(0, limit);
        const last = runs[runs.length - 1];
        return rows.length > limit && last ? { runs, next: encodeRunCursor(last) } : { runs };
      });
    },
    delete: (runId, fence) =>
      write(async (client) => {
        const { rowCount } =
          fence === undefined
            ? await client.query(`DELETE FROM orchestrix_runs WHERE run_id = $1`, [runId])
            : await client.query(`DELETE FROM orchestrix_runs WHERE run_id = $1 AND fence = $2`, [runId, fence]);
        if ((rowCount ?? 0) > 0) await client.query(`DELETE FROM orchestrix_signals WHERE run_id = $1`, [runId]);
      }),
    close: async () => {
      if (closed) return;
      const waits = queue.map((item) => item.done);
      if (inFlight) waits.push(inFlight);
      pump();
      await Promise.all(waits);
      closed = true;
      await endings.close();
      await stopSender(pool);
      if (owned) await pool.end();
    },
  };
}

/**
 * Writes one batch: the creates, then the newest save of each run, in one transaction when both
 * are there. Each write's outcome: `undefined` when done, else why not.
 */
async function commitBatch(client: pg.PoolClient, batch: Pending[], retry: boolean, where: string): Promise<Map<Pending, Error | undefined>> {
  const outcomes = new Map<Pending, Error | undefined>();
  const creates = batch.filter((item) => item.kind === "create");
  // Within one statement only the newest save of a run matters: it would overwrite the older ones.
  const newest = new Map<string, Pending>();
  for (const item of batch) {
    const best = newest.get(item.record.runId);
    if (item.kind === "save" && (best === undefined || item.record.seq > best.record.seq)) newest.set(item.record.runId, item);
  }
  const saves = [...newest.values()];
  // The signals a save took in are marked in the same transaction: none lost, none taken twice.
  const takes = batch.flatMap((item) =>
    item.kind === "save" ? (item.effects?.takeSignals ?? []).map((id) => ({ runId: item.record.runId, id })) : [],
  );
  const transaction = (creates.length > 0 && saves.length > 0) || takes.length > 0;
  if (transaction) await client.query("BEGIN");

  if (creates.length > 0) {
    const records = creates.map((item) => item.record);
    const { rows } = await client.query<{ run_id: string }>(INSERT_RUNS, columnsOf(records, INSERT_FIELDS));
    const inserted = new Set(rows.map((row) => row.run_id));
    const conflicts = creates.filter((item) => !inserted.has(item.record.runId));
    // A retried batch may find its own rows, committed just before the connection broke.
    const ownRows = retry && conflicts.length > 0 ? await storedCreates(client, conflicts) : new Set<string>();
    for (const item of creates) {
      const id = item.record.runId;
      if (inserted.delete(id) || ownRows.delete(id)) outcomes.set(item, undefined);
      else outcomes.set(item, new StoreError(`A run with id "${id}" already exists in ${where}`));
    }
  }

  if (saves.length > 0) {
    const records = saves.map((item) => item.record);
    const { rows } = await client.query<{ run_id: string }>(UPDATE_RUNS, columnsOf(records, UPDATE_FIELDS));
    const updated = new Set(rows.map((row) => row.run_id));
    const unchanged = saves.filter((item) => !updated.has(item.record.runId));
    // Nothing changed: either a newer save of this owner is stored already, or another owner took the run.
    const fences = new Map<string, number>();
    if (unchanged.length > 0) {
      const stored = await client.query<{ runId: string; fence: number }>(
        `SELECT run_id AS "runId", fence::float8 AS fence FROM orchestrix_runs WHERE run_id = ANY($1::text[])`,
        [unchanged.map((item) => item.record.runId)],
      );
      for (const row of stored.rows) fences.set(row.runId, row.fence);
    }
    for (const item of saves) {
      const { runId, fence } = item.record;
      const current = updated.has(runId) ? fence : fences.get(runId);
      outcomes.set(item, current === fence ? undefined : fenced(runId, current, fence));
    }
    const taken = takes.filter((take) => updated.has(take.runId));
    if (taken.length > 0) {
      await client.query(
        `UPDATE orchestrix_signals AS s SET taken_seq = v.seq FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(run_id, signal_id, seq)
         WHERE s.run_id = v.run_id AND s.signal_id = v.signal_id AND s.taken_seq IS NULL`,
        [taken.map((take) => take.runId), taken.map((take) => take.id), taken.map((take) => newest.get(take.runId)?.record.seq ?? 0)],
      );
    }
  }
  if (transaction) await client.query("COMMIT");

  // Each older save of a run settles as its newest did.
  for (const item of batch) {
    if (item.kind === "save" && !outcomes.has(item)) outcomes.set(item, outcomes.get(newest.get(item.record.runId) ?? item));
  }
  return outcomes;
}

/** The ids among `creates` whose stored row is the one this batch wrote (same owner, fence, seq and creation time). */
async function storedCreates(client: pg.PoolClient, creates: Pending[]): Promise<Set<string>> {
  const { rows } = await client.query<RunSummary>(`SELECT ${SUMMARY_FIELDS} FROM orchestrix_runs WHERE run_id = ANY($1::text[])`, [
    creates.map((item) => item.record.runId),
  ]);
  const stored = new Map(rows.map((row) => [row.runId, row]));
  const ours = new Set<string>();
  for (const { record } of creates) {
    const row = stored.get(record.runId);
    if (row && row.owner === record.owner && row.fence === record.fence && row.seq === record.seq && row.createdAt === record.createdAt) {
      ours.add(record.runId);
    }
  }
  return ours;
}

/** Names the database for error messages, without its password. */
function describeDatabase(options: PostgresStoreOptions): string {
  if (options.pool) {
    const { host, port, database } = options.pool.options;
    return `PostgreSQL database "${database ?? "(default)"}" at ${host ?? "localhost"}:${port ?? 5432}`;
  }
  try {
    const url = new URL(options.connectionString);
    return `PostgreSQL database "${decodeURIComponent(url.pathname.slice(1)) || "(default)"}" at ${url.hostname || "localhost"}:${url.port || 5432}`;
  } catch {
    return "the PostgreSQL database of the given connection string";
  }
}

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "EAI_AGAIN"]);

/** Whether an error says the server could not be reached or dropped the connection (rather than refusing a statement). */
function unreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || code.startsWith("08") || code.startsWith("57P"))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection error|not queryable/i.test(error.message);
}

function storeError(where: string, cause: unknown, retryForMs: number): StoreError {
  const message = cause instanceof Error ? cause.message || String((cause as { code?: unknown }).code) : String(cause);
  if (unreachable(cause)) {
    return new StoreError(`Could not reach the ${where} (${message}), still after ${retryForMs} ms: is PostgreSQL running there?`, { cause });
  }
  return new StoreError(`${where}: ${message}`, { cause });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
