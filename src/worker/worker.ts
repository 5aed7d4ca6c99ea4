import { FlowAlreadyRunningError, RunFencedError, RunHandedBackError, type FlowResult, type HandBackOptions } from "orchestrix";
import type PgBoss from "pg-boss";
import type { PostgresStore } from "../stores/postgres.js";
import { bossOn, RUN_QUEUE, sendRunJob, startBoss, type RunJob } from "./queue.js";

/** What a worker needs of a flow (a `Flow` has it). */
export interface WorkerFlow {
  name: string;
  resume(runId: string, options: { store: PostgresStore; leaseMs: number } & HandBackOptions): Promise<FlowResult>;
}

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** The store of the runs; the queue lives in the same database. */
  store: PostgresStore;
  /** The flows this worker can run, by name. */
  flows: readonly WorkerFlow[];
  /** Runs at once in this process. @default 4 */
  concurrency?: number;
  /**
   * How long a run's owner holds it without renewing: a worker that died or stalled loses its
   * runs after this, and another worker takes them over within `leaseMs + sweepMs + pollMs`. @default 3000
   */
  leaseMs?: number;
  /** How often the worker looks for runs whose lease ran out. @default 1000 */
  sweepMs?: number;
  /** How often an idle worker asks the queue for work; a slot that comes free asks at once. @default 500 */
  pollMs?: number;
  /**
   * A run with nothing to do but wait longer than this (for a retry, a sleep, or a signal) is
   * parked: its lease released, it leaves this worker's memory, and a job queued for its deadline
   * (or sent with its signal) wakes it on whichever worker is free then. @default 5000
   */
  parkAfterMs?: number;
  /**
   * How long `stop()` waits for the step functions in flight to finish (each run is then handed
   * back at that boundary); after it, the worker stops anyway and those runs are taken over once
   * their leases run out. @default 30000
   */
  stopTimeoutMs?: number;
  /** Where failures that are not a run's own are reported. @default console.error */
  onError?: (error: Error) => void;
  /** Where the worker says what it did with a run it lost. @default console.log */
  log?: (line: string) => void;
}

/** A worker process's handle. */
export interface Worker {
  /** Starts taking runs from the queue and taking over abandoned ones. */
  start(): Promise<void>;
  /**
   * Takes no new run; every run in flight finishes the step it is in and is then handed back
   * (saved, released and queued again for another worker), never dropped. Waits up to `stopTimeoutMs`.
   */
  stop(): Promise<void>;
  /** Runs in flight here now. */
  readonly inFlight: number;
}

/** A lease that ran out is queued for takeover at most once in this many seconds (per run and fence). */
const TAKEOVER_SLOT_SECONDS = 5;

/**
 * A worker: takes runs from the pg-boss queue, claims each in the store (claim, lease, fence) and
 * runs it, saving every transition. A sweeper re-queues runs whose owner stopped renewing its
 * lease (died or stalled), so another worker takes them over from their last snapshot.
 *
 * @example
 * const worker = createWorker({ store: postgresStore({ connectionString }), flows: [paymentSaga], concurrency: 8 });
 * await worker.start();
 * process.on("SIGTERM", () => worker.stop());
 */
export function createWorker(options: WorkerOptions): Worker {
  const { store } = options;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 3_000;
  const sweepMs = options.sweepMs ?? 1_000;
  const pollMs = options.pollMs ?? 500;
  const onError = options.onError ?? ((error: Error) => console.error(`orchestrix worker: ${error.message}`));
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`Expected concurrency to be a positive integer, got ${String(concurrency)}`);
  const log = options.log ?? ((line: string) => console.log(line));
  const parkAfterMs = options.parkAfterMs ?? 5_000;
  if (!Number.isFinite(parkAfterMs) || parkAfterMs < 0) throw new TypeError(`Expected parkAfterMs to be a non-negative number of milliseconds, got ${String(parkAfterMs)}`);
  /** Aborted by stop(): every run in flight hands itself back at its next transition boundary. */
  let handBack = new AbortController();
  const flows = new Map(options.flows.map((flow) => [flow.name, flow]));
  let boss: PgBoss | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let stopping = false;
  let dispatching: Promise<void> | undefined;
  /** The runs in flight here, each settling once its job is completed or failed in the queue. */
  const running = new Set<Promise<void>>();
  /** Ends the dispatcher's wait early: a slot came free, or the worker is stopping. */
  let wake: (() => void) | undefined;

  const handle = async (job: RunJob) => {
    const flow = flows.get(job.flow);
    if (!flow) throw new Error(`This worker has no flow "${job.flow}" (it has ${[...flows.keys()].join(", ")}); run ${job.runId} is left in the queue`);
    try {
      await flow.resume(job.runId, { store, leaseMs, handBack: handBack.signal, parkAfterMs });
    } catch (error) {
      // Handed back (this worker is stopping) or parked until a retry: the store queued its next job.
      if (error instanceof RunHandedBackError) {
        const why = error.wakeAt === undefined ? "handed back" : error.wakeAt === null ? "parked until its signal" : `parked until ${new Date(error.wakeAt).toISOString()}`;
        return log(`orchestrix worker: run ${job.runId} ${why}`);
      }
      // Another owner holds the run (its lease decides when it may be taken over), or took it from us.
      if (error instanceof FlowAlreadyRunningError) return;
      if (error instanceof RunFencedError) return log(`orchestrix worker: run ${job.runId} was taken over by another worker; stopped it here`);
      throw error;
    }
  };

  /**
   * Fills free slots from the queue: fetches as many jobs as slots are free, again at once when a
   * run ends, and every `pollMs` while the queue is empty.
   */
  const dispatch = async (active: PgBoss) => {
    while (!stopping) {
      const free = concurrency - running.size;
      let jobs: PgBoss.Job<RunJob>[] = [];
      if (free > 0) {
        try {
          jobs = await active.fetch<RunJob>(RUN_QUEUE, { batchSize: free });
        } catch (error) {
          onError(error as Error);
        }
      }
      for (const job of jobs) {
        const done: Promise<void> = handle(job.data)
          // A job that expired meanwhile (see the queue's options) is no longer ours to settle: pg-boss ignores it.
          .then(
            () => active.complete(RUN_QUEUE, job.id),
            (error: unknown) => active.fail(RUN_QUEUE, job.id, { message: error instanceof Error ? error.message : String(error) }),
          )
          .catch((error: unknown) => onError(error as Error))
          .finally(() => {
            running.delete(done);
            wake?.();
          });
        running.add(done);
      }
      if (jobs.length > 0 && running.size < concurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve();
        }, pollMs);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
  };

  /** Queues every running run whose lease ran out, once (a pending job per run id is enough). */
  const sweep = async () => {
    const now = Date.now();
    let after: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.list({ status: "running", limit: 500, ...(after === undefined ? {} : { after }) });
      for (const run of page.runs) {
        // A run nobody owns (queued, parked, handed back) has a job already: it was queued in the same transaction.
        if (flows.has(run.flow) && run.owner !== null && (run.leaseUntil === null || run.leaseUntil < now)) {
          // Ahead of new runs: an abandoned run has waited for its lease to run out already. Once per fence and slot.
          await sendRunJob(store.pool, { runId: run.runId, flow: run.flow }, {
            priority: 10,
            singletonKey: `takeover:${run.runId}:${run.fence}`,
            singletonSeconds: TAKEOVER_SLOT_SECONDS,
          });
        }
      }
      if (!page.next) return;
      after = page.next;
    }
  };

  return {
    get inFlight() {
      return running.size;
    },
    async start() {
      if (boss) return;
      const active = bossOn(store.pool, { supervise: true, onError });
      boss = active;
      stopping = false;
      handBack = new AbortController();
      await startBoss(store.pool, active);
      dispatching = dispatch(active);
      let sweeping = false;
      sweeper = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        sweep()
          .catch((error: unknown) => onError(error as Error))
          .finally(() => (sweeping = false));
      }, sweepMs);
    },
    async stop() {
      stopping = true;
      wake?.();
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      await dispatching;
      handBack.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise((resolve) => (timer = setTimeout(resolve, options.stopTimeoutMs ?? 30_000)));
      await Promise.race([Promise.all(running), timeout]);
      clearTimeout(timer);
      const current = boss;
      boss = undefined;
      await current?.stop({ graceful: false, wait: true });
    },
  };
}

