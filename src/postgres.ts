export { postgresStore } from "./stores/postgres.js";
export type { PostgresStoreOptions, PostgresConnection } from "./stores/postgres.js";
