import type { RunStore } from "./types.js";

let defaultStore: RunStore | undefined;

/**
 * Sets the store that runs use when their options name none (e.g. `sqliteStore(...)` at start-up),
 * or `undefined` for none: then runs are not persisted.
 */
export function setDefaultStore(store: RunStore | undefined): void {
  defaultStore = store;
}

/** The store set with {@link setDefaultStore}, if any. */
export function getDefaultStore(): RunStore | undefined {
  return defaultStore;
}
