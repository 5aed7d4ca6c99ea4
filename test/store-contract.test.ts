import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { memoryStore } from "orchestrix";
import { postgresStore } from "orchestrix/postgres";
import { sqliteStore } from "orchestrix/sqlite";
import { createDatabase, dropDatabases, postgresUnavailable } from "./support/postgres.js";
import { describeStoreContract } from "./support/store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "orchestrix-contract-"));
const databases: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropDatabases(databases);
});
let files = 0;
const postgresSkip = await postgresUnavailable();

describeStoreContract({ name: "memoryStore", make: async () => memoryStore() });
describeStoreContract({ name: "sqliteStore", make: async () => sqliteStore({ path: join(dir, `store-${files++}.db`) }) });
describeStoreContract({
  name: "postgresStore",
  ...(postgresSkip === undefined ? {} : { skip: postgresSkip }),
  make: async () => {
    const { name, url } = await createDatabase();
    databases.push(name);
    return postgresStore({ connectionString: url });
  },
});
