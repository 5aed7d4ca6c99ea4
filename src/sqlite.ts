export { sqliteStore } from "./store/sqlite.js";
export type { SqliteStoreOptions } from "./store/sqlite.js";
