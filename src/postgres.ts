export { postgresStore } from "./stores/postgres.js";
export type { PostgresStore, PostgresStoreOptions, PostgresConnection } from "./stores/postgres.js";
export { createWorker } from "./worker/worker.js";
export type { Worker, WorkerFlow, WorkerOptions } from "./worker/worker.js";
export { RUN_QUEUE } from "./worker/queue.js";
export type { RunJob } from "./worker/queue.js";
