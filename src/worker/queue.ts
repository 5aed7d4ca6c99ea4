import PgBoss from "pg-boss";
import { FlowValidationError, storedResult, type FlowResult, type Json } from "orchestrix";
import type { PostgresStore } from "../stores/postgres.js";

/** The pg-boss queue every worker takes runs from. */
export const RUN_QUEUE = "orchestrix-runs";

/** What a job of {@link RUN_QUEUE} asks: start the run with this input, or (without input) continue it from its snapshot. */
export interface RunJob {
  runId: string;
  flow: string;
  input?: Json;
}

/** What {@link enqueue} needs of a flow: its name and its input schema. */
export interface EnqueueableFlow {
  name: string;
  definition: { schema: { "~standard": { validate(value: unknown): unknown } } | undefined };
}

/** A pg-boss on the store's own pool: the queue lives in the same database as the runs. */
export function bossOn(store: PostgresStore, options: { supervise: boolean; onError?: (error: Error) => void }): PgBoss {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => store.pool.query(text, values) },
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
 * before the run had a record would otherwise stay active for pg-boss's default 15 minutes: here
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
export async function startBoss(store: PostgresStore, boss: PgBoss): Promise<void> {
  await boss.start();
  const client = await store.pool.connect();
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

const senders = new WeakMap<PostgresStore, Promise<PgBoss>>();

function senderFor(store: PostgresStore): Promise<PgBoss> {
  let sender = senders.get(store);
  if (!sender) {
    const boss = bossOn(store, { supervise: false });
    sender = startBoss(store, boss).then(() => boss);
    sender.catch(() => senders.delete(store));
    senders.set(store, sender);
  }
  return sender;
}

/** Queues a job of {@link RUN_QUEUE}. */
export async function sendRunJob(store: PostgresStore, job: RunJob, options: PgBoss.SendOptions = {}): Promise<void> {
  const boss = await senderFor(store);
  await boss.send(RUN_QUEUE, job, options);
}

/**
 * Queues a run for whichever worker is free, after validating its input here. The run id is the
 * idempotency key: queueing the same id again runs it once (a worker finds it stored).
 *
 * @example
 * const { runId } = await enqueue(paymentSaga, order, { store, runId: `order-${order.id}` });
 * const result = await result(runId, { store, timeoutMs: 60_000 });
 */
export async function enqueue(flow: EnqueueableFlow, input: Json, options: { store: PostgresStore; runId: string }): Promise<{ runId: string }> {
  const schema = flow.definition.schema;
  if (schema) {
    const outcome = (await schema["~standard"].validate(input)) as { issues?: readonly { message: string }[] };
    if (outcome.issues) throw new FlowValidationError(flow.name, outcome.issues);
  }
  await sendRunJob(options.store, { runId: options.runId, flow: flow.name, input }, { singletonKey: options.runId });
  return { runId: options.runId };
}

/**
 * Resolves with a run's result once it has ended, from whichever process ran it. Polls the store,
 * backing off from 50 ms to 1 s; rejects after `timeoutMs`.
 */
export async function result(runId: string, options: { store: PostgresStore; timeoutMs?: number }): Promise<FlowResult> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    const record = await options.store.load(runId);
    if (record && record.status !== "running") return storedResult(record);
    const left = deadline - Date.now();
    if (left <= 0) {
      const state = record ? `it is still running (${record.currentStep ?? "between steps"})` : "no worker has started it";
      throw Object.assign(new Error(`Run "${runId}" did not end within ${options.timeoutMs ?? 60_000} ms: ${state}`), { name: "TimeoutError" });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}
