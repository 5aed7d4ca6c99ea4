import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { memoryStore } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { describeStoreContract } from "./support/store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "orchestrix-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describeStoreContract({ name: "memoryStore", make: async () => memoryStore() });
describeStoreContract({ name: "sqliteStore", make: async () => sqliteStore({ path: join(dir, `store-${files++}.db`) }) });
