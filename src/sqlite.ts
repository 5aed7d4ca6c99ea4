export { sqliteStore } from "./stores/sqlite.js";
export type { SqliteStoreOptions } from "./stores/sqlite.js";
