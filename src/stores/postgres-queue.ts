import type pg from "pg";
import type { RunQueue, RunRecord, RunSummary } from "orchestrix";
import { senderFor, sendRunJob } from "../worker/queue.js";

/** What the PostgreSQL store lends its queue: transactions on its pool, and its own row statements. */
export interface QueueDeps {
  pool: pg.Pool;
  /** Runs `work` in one transaction (BEGIN … COMMIT), retried while the database is unreachable; `retry` says a try before it may have committed. */
  transaction<T>(work: (client: pg.PoolClient, retry: boolean) => Promise<T>): Promise<T>;
  /** Inserts a run unless its id exists; whether it did. */
  insert(client: pg.PoolClient, record: RunRecord): Promise<boolean>;
  /** The stored run with this id, without its snapshot. */
  summary(client: pg.PoolClient, runId: string): Promise<RunSummary | undefined>;
}

/**
 * The store's queue on pg-boss, in the store's own database: a run's record and its job are
 * written in one transaction, so a run is never stored without a job that will run it, nor queued
 * without a record.
 */
export function postgresQueue(deps: QueueDeps): RunQueue {
  const { pool } = deps;
  /**
   * pg-boss is started (its schema and the queue made) before a transaction takes a connection:
   * starting it inside one would wait for connections that transactions like it hold.
   */
  const transaction = async <T>(work: (client: pg.PoolClient, retry: boolean) => Promise<T>): Promise<T> => {
    await senderFor(pool);
    return deps.transaction(work);
  };
  return {
    enqueue: (record) =>
      transaction(async (client, retry) => {
        if (await deps.insert(client, record)) {
          await sendRunJob(pool, { runId: record.runId, flow: record.flow }, {}, client);
          return undefined;
        }
        const existing = await deps.summary(client, record.runId);
        // A try that committed just before its connection broke finds its own row: that is this run, queued.
        const ours = retry && existing?.seq === 0 && existing.createdAt === record.createdAt && existing.inputHash === record.inputHash;
        return ours ? undefined : existing;
      }),
    park: (runId, flow, fence, wakeAt) =>
      transaction(async (client) => {
        // Until it wakes, the lease says when: a listing shows the run parked, not abandoned.
        const { rowCount } = await client.query("UPDATE orchestrix_runs SET owner = NULL, lease_until = $1 WHERE run_id = $2 AND fence = $3", [
          wakeAt ?? null,
          runId,
          fence,
        ]);
        if ((rowCount ?? 0) === 0) return; // another owner has it: it is theirs to run
        // Parked until its signal: no job now; sending the signal queues one (wake).
        if (wakeAt === null) return;
        await sendRunJob(pool, { runId, flow }, wakeAt === undefined ? {} : { startAfter: new Date(wakeAt) }, client);
      }),
    wake: async (runId, flow) => {
      await senderFor(pool);
      await sendRunJob(pool, { runId, flow }, {});
    },
  };
}
