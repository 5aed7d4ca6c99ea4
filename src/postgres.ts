export { postgresStore } from "./stores/postgres.js";
export type { PostgresStore, PostgresStoreOptions, PostgresConnection } from "./stores/postgres.js";
export { createWorker } from "./worker/worker.js";
export type { Worker, WorkerFlow, WorkerOptions } from "./worker/worker.js";
export { enqueue, result, RUN_QUEUE } from "./worker/queue.js";
export type { EnqueueableFlow, RunJob } from "./worker/queue.js";
