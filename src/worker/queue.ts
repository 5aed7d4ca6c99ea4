import PgBoss from "pg-boss";
import type pg from "pg";

/** The pg-boss queue every worker takes runs from. */
export const RUN_QUEUE = "orchestrix-runs";

/** What a job of {@link RUN_QUEUE} asks: continue this stored run (a queued one starts from its input). */
export interface RunJob {
  runId: string;
  flow: string;
}

/** A pg-boss on the store's own pool: the queue lives in the same database as the runs. */
export function bossOn(pool: pg.Pool, options: { supervise: boolean; onError?: (error: Error) => void }): PgBoss {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => pool.query(text, values) },
    supervise: options.supervise,
    // Expiring jobs is maintenance: it must run often for a dead worker's fetched jobs to come back in seconds.
    maintenanceIntervalSeconds: 1,
    schedule: false,
  });
  // pg-boss reports failed polls (e.g. while the database restarts) as events; it keeps polling.
  boss.on("error", options.onError ?? ((error) => console.error(`orchestrix worker: ${error.message}`)));
  return boss;
}

/**
 * A job only says "run this id"; the run's own lease is what guards it. A job whose worker died
 * before it claimed the run would otherwise stay active for pg-boss's default 15 minutes: here
 * it expires after 3 s and comes back at once, as often as needed. A job still held by a live
 * worker that comes back this way finds its run claimed (FlowAlreadyRunningError) and is done.
 */
const RUN_QUEUE_OPTIONS = { name: RUN_QUEUE, expireInSeconds: 3, retryLimit: 1_000_000, retryDelay: 0 };

/** The advisory lock around creating the queue ("orchqueu" as a 64-bit number). */
const QUEUE_LOCK = "8030590385786283381";

/**
 * Starts pg-boss and makes sure the run queue exists. pg-boss 10 deadlocks when several processes
 * create one queue at the same moment, so creating it is serialised under an advisory lock.
 */
export async function startBoss(pool: pg.Pool, boss: PgBoss): Promise<void> {
  await boss.start();
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1::bigint)", [QUEUE_LOCK]);
    try {
      if (!(await boss.getQueue(RUN_QUEUE))) await boss.createQueue(RUN_QUEUE, RUN_QUEUE_OPTIONS);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [QUEUE_LOCK]);
    }
  } finally {
    client.release();
  }
}

const senders = new WeakMap<pg.Pool, { boss: PgBoss; started: Promise<PgBoss> }>();

/** The pg-boss a pool sends jobs with (no supervision: that is the workers' job), started once. */
export function senderFor(pool: pg.Pool): Promise<PgBoss> {
  let sender = senders.get(pool);
  if (!sender) {
    const boss = bossOn(pool, { supervise: false });
    const started = startBoss(pool, boss).then(() => boss);
    sender = { boss, started };
    started.catch(() => senders.delete(pool));
    senders.set(pool, sender);
  }
  return sender.started;
}

/** Stops the pool's sender, if it has one (before the pool ends). */
export async function stopSender(pool: pg.Pool): Promise<void> {
  const sender = senders.get(pool);
  senders.delete(pool);
  if (!sender) return;
  const boss = await sender.started.catch(() => undefined);
  await boss?.stop({ graceful: false, wait: true, close: false });
}

/** Queues a job of {@link RUN_QUEUE}, in the transaction of `client` when given. */
export async function sendRunJob(pool: pg.Pool, job: RunJob, options: PgBoss.SendOptions = {}, client?: pg.ClientBase): Promise<void> {
  const boss = await senderFor(pool);
  const db = client && { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
  await boss.send(RUN_QUEUE, { ...job }, db ? { ...options, db } : options);
}
