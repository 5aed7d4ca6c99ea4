import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { create, memoryStore, type RunQuery, type RunStore } from "orchestrix";
import { startInspector, type Inspector, type RunSummary } from "../src/inspector/index.js";
import { StoredRuns } from "../src/inspector/stored-runs.js";

const started: Inspector[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((inspector) => inspector.close()));
});

const flow = create<{ n: number; fail?: boolean }>("stocked").step("only", ({ input }) => {
  if (input.fail) throw new Error(`no stock for ${input.n}`);
  return input.n;
});

/** A real store whose listings are noted, to see what the inspector asks of it. */
function observed(store: RunStore): { store: RunStore; queries: RunQuery[] } {
  const queries: RunQuery[] = [];
  return {
    queries,
    store: new Proxy(store, {
      get(target, property, receiver) {
        if (property === "list") return (query: RunQuery = {}) => (queries.push(query), target.list(query));
        return Reflect.get(target, property, receiver) as unknown;
      },
    }),
  };
}

let store: RunStore;
beforeAll(async () => {
  store = memoryStore();
  // 450 runs; run-7 (old, beyond the newest 200) failed.
  for (let n = 0; n < 450; n++) await flow.run({ n, fail: n === 7 }, { runId: `run-${n}`, store });
}, 60_000);

interface Listing {
  stored: RunSummary[];
  next: string | null;
}

async function listing(server: Inspector, query = ""): Promise<Listing> {
  return (await (await fetch(`http://127.0.0.1:${server.port}/api/runs${query}`)).json()) as Listing;
}

describe("stored runs beyond the newest 200", () => {
  it("pages through every stored run with the next cursor", async () => {
    const server = await startInspector({ port: 0, store });
    started.push(server);
    const seen = new Set<string>();
    let page = await listing(server);
    expect(page.stored).toHaveLength(200);
    for (const run of page.stored) seen.add(run.name);
    let pages = 1;
    while (page.next) {
      page = await listing(server, `?after=${encodeURIComponent(page.next)}`);
      for (const run of page.stored) seen.add(run.name);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.size).toBe(450);
  });

  it("searches the whole store: by status, by flow, by run id", async () => {
    const server = await startInspector({ port: 0, store });
    started.push(server);
    const failed = await listing(server, "?q=status:failed");
    expect(failed.stored.map((run) => run.name)).toEqual(["run-7"]);
    expect((await listing(server, "?q=failed")).stored.map((run) => run.name)).toEqual(["run-7"]);
    expect((await listing(server, "?q=run-3")).stored.map((run) => run.name)).toEqual(["run-3"]);
    const ofFlow = await listing(server, "?q=flow:stocked&limit=50");
    expect(ofFlow.stored).toHaveLength(50);
    expect(ofFlow.next).not.toBeNull();
    expect((await listing(server, "?q=flow:other")).stored).toEqual([]);
  });
});

describe("refreshing the stored runs", () => {
  it("asks only for what changed since the last look, and takes in new and changed runs", async () => {
    const local = memoryStore();
    for (let n = 0; n < 5; n++) await flow.run({ n }, { runId: `r-${n}`, store: local });
    const { store: watched, queries } = observed(local);
    const stored = new StoredRuns(watched, 200);
    await stored.refresh();
    expect(stored.records.map((run) => run.runId)).toEqual(["r-4", "r-3", "r-2", "r-1", "r-0"]);
    expect(queries.at(-1)).toEqual({ limit: 200 });
    const version = stored.version;

    await stored.refresh();
    expect(queries.at(-1)).toEqual({ updatedAfter: stored.records[0]!.updatedAt - 1, limit: 200 });
    expect(stored.version).toBe(version);

    await new Promise((resolve) => setTimeout(resolve, 3));
    await flow.run({ n: 9 }, { runId: "r-9", store: local });
    await stored.refresh();
    expect(stored.records[0]?.runId).toBe("r-9");
    expect(stored.records).toHaveLength(6);
    expect(stored.version).toBe(version + 1);
  });

  it("keeps the window to its size, newest first, when more changed than a page holds", async () => {
    const local = memoryStore();
    for (let n = 0; n < 3; n++) await flow.run({ n }, { runId: `w-${n}`, store: local });
    const stored = new StoredRuns(local, 3);
    await stored.refresh();
    await new Promise((resolve) => setTimeout(resolve, 3));
    for (let n = 3; n < 8; n++) await flow.run({ n }, { runId: `w-${n}`, store: local });
    await stored.refresh();
    expect(stored.records.map((run) => run.runId)).toEqual(["w-7", "w-6", "w-5"]);
    expect(stored.next).toBeDefined();
  });
});
