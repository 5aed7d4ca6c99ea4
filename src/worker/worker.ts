import { FlowAlreadyRunningError, RunFencedError, type FlowResult } from "orchestrix";
import type PgBoss from "pg-boss";
import type { PostgresStore } from "../stores/postgres.js";
import { bossOn, RUN_QUEUE, sendRunJob, type RunJob } from "./queue.js";

/** What a worker needs of a flow (a `Flow` has it). */
export interface WorkerFlow {
  name: string;
  run(input: never, options: { store: PostgresStore; runId: string; leaseMs: number }): Promise<FlowResult>;
  resume(runId: string, options: { store: PostgresStore; leaseMs: number }): Promise<FlowResult>;
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
  /** How often an idle slot asks the queue for work (pg-boss polls at least every 0.5 s). @default 500 */
  pollMs?: number;
  /** How long `stop()` waits for the runs in flight to end. @default 30000 */
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
  /** Takes no new run and waits (up to `stopTimeoutMs`) for the runs in flight to end. */
  stop(): Promise<void>;
  /** Runs in flight here now. */
  readonly inFlight: number;
}

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
  const flows = new Map(options.flows.map((flow) => [flow.name, flow]));
  let boss: PgBoss | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let inFlight = 0;

  const handle = async (job: RunJob) => {
    const flow = flows.get(job.flow);
    if (!flow) throw new Error(`This worker has no flow "${job.flow}" (it has ${[...flows.keys()].join(", ")}); run ${job.runId} is left in the queue`);
    inFlight++;
    try {
      if (job.input !== undefined) await flow.run(job.input as never, { store, runId: job.runId, leaseMs });
      else await flow.resume(job.runId, { store, leaseMs });
    } catch (error) {
      // Another owner holds the run (its lease decides when it may be taken over), or took it from us.
      if (error instanceof FlowAlreadyRunningError) return;
      if (error instanceof RunFencedError) return log(`orchestrix worker: run ${job.runId} was taken over by another worker; stopped it here`);
      throw error;
    } finally {
      inFlight--;
    }
  };

  /** Queues every running run whose lease ran out, once (a pending job per run id is enough). */
  const sweep = async () => {
    const now = Date.now();
    let after: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.list({ status: "running", limit: 500, ...(after === undefined ? {} : { after }) });
      for (const run of page.runs) {
        if (flows.has(run.flow) && (run.leaseUntil === null || run.leaseUntil < now)) {
          // Ahead of new runs: an abandoned run has waited for its lease to run out already.
          await sendRunJob(store, { runId: run.runId, flow: run.flow }, { priority: 10, singletonKey: `takeover:${run.runId}:${run.fence}` });
        }
      }
      if (!page.next) return;
      after = page.next;
    }
  };

  return {
    get inFlight() {
      return inFlight;
    },
    async start() {
      if (boss) return;
      boss = bossOn(store, { supervise: true, onError });
      await boss.start();
      await boss.createQueue(RUN_QUEUE, { name: RUN_QUEUE });
      const work = { batchSize: 1, pollingIntervalSeconds: Math.max(pollMs, 500) / 1_000 };
      for (let slot = 0; slot < concurrency; slot++) {
        await boss.work<RunJob>(RUN_QUEUE, work, async (jobs) => {
          for (const job of jobs) await handle(job.data);
        });
      }
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
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      const current = boss;
      boss = undefined;
      await current?.stop({ graceful: true, wait: true, timeout: options.stopTimeoutMs ?? 30_000 });
    },
  };
}

