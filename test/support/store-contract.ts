import { describe, expect, it } from "vitest";
import { RunFencedError, type RunRecord, type RunStore } from "orchestrix";

/** A record as the engine would create it: claimed by `owner` at fence 1. */
export function recordOf(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    flow: "contract",
    version: null,
    definitionHash: "hash",
    inputHash: "input",
    status: "running",
    seq: 1,
    snapshot: { value: "steps", step: runId },
    currentStep: null,
    attempts: 0,
    lastError: null,
    owner: "host-a:1",
    fence: 1,
    leaseUntil: 10_000,
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

/** Makes a fresh, empty store, and cleans up after it. */
export interface StoreFactory {
  name: string;
  make(): Promise<RunStore>;
  /** Why this store is not tested here (e.g. no database reachable); the suite is skipped loudly. */
  skip?: string;
}

/**
 * The behaviour every `RunStore` must have: create, ordered saves, atomic claims, fenced writes,
 * leases, listing filters and paging. Every store runs it.
 */
export function describeStoreContract(factory: StoreFactory): void {
  describe.skipIf(factory.skip !== undefined)(`RunStore contract: ${factory.name}`, () => {
    const withStore = async (work: (store: RunStore) => Promise<void>) => {
      const store = await factory.make();
      try {
        await work(store);
      } finally {
        await store.close();
      }
    };

    it("creates a run once and loads it back as written", () =>
      withStore(async (store) => {
        const record = recordOf("c1", { snapshot: { nested: { list: [1, "two", null] } } });
        await store.create(record);
        expect(await store.load("c1")).toEqual(record);
        await expect(store.create(recordOf("c1", { seq: 9 }))).rejects.toThrow(/already exists/);
        expect((await store.load("c1"))?.seq).toBe(1);
        expect(await store.load("missing")).toBeUndefined();
      }));

    it("applies saves in seq order: an older snapshot never overwrites a newer one", () =>
      withStore(async (store) => {
        await store.create(recordOf("o1"));
        await Promise.all([
          store.save(recordOf("o1", { seq: 3, currentStep: "newest" })),
          store.save(recordOf("o1", { seq: 2, currentStep: "older" })),
        ]);
        await store.save(recordOf("o1", { seq: 3, currentStep: "same seq again" }));
        expect((await store.load("o1"))?.currentStep).toBe("newest");
      }));

    it("grants a claim to exactly one of many racing claimants, with a fence that grows", () =>
      withStore(async (store) => {
        await store.create(recordOf("k1", { owner: null, leaseUntil: null }));
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.claim("k1", { fence: 1, heldUntil: null, owner: `host:${i}`, leaseUntil: 5_000 + i })),
        );
        const granted = claims.filter((claim) => claim !== undefined);
        expect(granted).toHaveLength(1);
        const [winner] = granted;
        expect(winner?.fence).toBe(2);
        const stored = await store.load("k1");
        expect(stored).toMatchObject({ fence: 2, owner: winner?.record.owner, leaseUntil: winner?.record.leaseUntil });
        const held = winner?.record.leaseUntil ?? null;
        expect(await store.claim("k1", { fence: 1, heldUntil: held, owner: "late:1", leaseUntil: 1 })).toBeUndefined();
        expect((await store.claim("k1", { fence: 2, heldUntil: held, owner: "next:1", leaseUntil: 1 }))?.fence).toBe(3);
        expect(await store.claim("missing", { fence: 1, heldUntil: null, owner: "x:1", leaseUntil: 1 })).toBeUndefined();
      }));

    it("refuses a claim when the owner renewed its lease since the record was read", () =>
      withStore(async (store) => {
        await store.create(recordOf("n1", { leaseUntil: 100 }));
        const read = (await store.load("n1"))!;
        expect(await store.renew("n1", 1, 5_000)).toBe(true); // the owner was only slow, and is back
        expect(await store.claim("n1", { fence: read.fence, heldUntil: read.leaseUntil, owner: "host-b:2", leaseUntil: 9_000 })).toBeUndefined();
        expect(await store.load("n1")).toMatchObject({ fence: 1, owner: "host-a:1", leaseUntil: 5_000 });
      }));

    it("refuses saves at an old fence and keeps the new owner's data", () =>
      withStore(async (store) => {
        await store.create(recordOf("f1"));
        const claim = await store.claim("f1", { fence: 1, heldUntil: 10_000, owner: "host-b:2", leaseUntil: 20_000 });
        expect(claim?.fence).toBe(2);
        await store.save(recordOf("f1", { fence: 2, seq: 2, owner: "host-b:2", currentStep: "new owner" }));
        const refused = store.save(recordOf("f1", { fence: 1, seq: 5, currentStep: "old owner" }));
        await expect(refused).rejects.toBeInstanceOf(RunFencedError);
        await expect(refused).rejects.toMatchObject({ code: "RUN_FENCED" });
        expect(await store.load("f1")).toMatchObject({ fence: 2, seq: 2, owner: "host-b:2", currentStep: "new owner" });
        await expect(store.save(recordOf("gone", { seq: 2 }))).rejects.toBeInstanceOf(RunFencedError);
      }));

    it("renews a lease only for the current fence; saves leave the lease alone, an ended run has none", () =>
      withStore(async (store) => {
        await store.create(recordOf("l1", { leaseUntil: 100 }));
        expect(await store.renew("l1", 1, 500)).toBe(true);
        await store.save(recordOf("l1", { seq: 2, leaseUntil: 1 }));
        expect((await store.load("l1"))?.leaseUntil).toBe(500);
        await store.claim("l1", { fence: 1, heldUntil: 500, owner: "host-b:2", leaseUntil: 900 });
        expect(await store.renew("l1", 1, 10_000)).toBe(false);
        expect((await store.load("l1"))?.leaseUntil).toBe(900);
        await store.save(recordOf("l1", { fence: 2, seq: 3, status: "completed", owner: null }));
        expect(await store.load("l1")).toMatchObject({ status: "completed", owner: null, leaseUntil: null });
      }));

    it("hands a run back only at the current fence", () =>
      withStore(async (store) => {
        await store.create(recordOf("h1"));
        await store.release("h1", 7);
        expect((await store.load("h1"))?.owner).toBe("host-a:1");
        await store.release("h1", 1);
        expect(await store.load("h1")).toMatchObject({ owner: null, leaseUntil: null, fence: 1 });
      }));

    it("deletes a run, and with a fence only while it is still at that fence", () =>
      withStore(async (store) => {
        await store.create(recordOf("d1"));
        await store.delete("d1", 2);
        expect(await store.load("d1")).toBeDefined();
        await store.delete("d1", 1);
        expect(await store.load("d1")).toBeUndefined();
        await store.create(recordOf("d2"));
        await store.delete("d2");
        expect(await store.load("d2")).toBeUndefined();
      }));

    it("lists summaries without snapshots, newest first, filtered, a page at a time", () =>
      withStore(async (store) => {
        const flows = ["alpha", "beta"];
        const statuses = ["running", "completed", "failed"] as const;
        for (let i = 0; i < 30; i++) {
          // Several runs share an update time: the order among them is by id, and paging must not skip or repeat one.
          await store.create(
            recordOf(`p${String(i).padStart(2, "0")}`, { flow: flows[i % 2] ?? "alpha", status: statuses[i % 3] ?? "running", updatedAt: 1_000 + Math.floor(i / 4) }),
          );
        }
        const first = await store.list({ limit: 7 });
        expect(first.runs).toHaveLength(7);
        expect(first.runs[0]).not.toHaveProperty("snapshot");
        expect(first.runs[0]).toMatchObject({ runId: "p29", fence: 1, inputHash: "input" });
        const seen: string[] = [];
        let page = first;
        for (;;) {
          seen.push(...page.runs.map((run) => run.runId));
          if (!page.next) break;
          page = await store.list({ limit: 7, after: page.next });
        }
        const expected = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, "0")}`).sort(
          (a, b) => Math.floor(Number(b.slice(1)) / 4) - Math.floor(Number(a.slice(1)) / 4) || (a < b ? 1 : -1),
        );
        expect(seen).toEqual(expected);

        const failedBeta = await store.list({ flow: "beta", status: "failed", limit: 100 });
        expect(failedBeta.runs.map((run) => run.runId).sort()).toEqual(["p05", "p11", "p17", "p23", "p29"]);
        expect(failedBeta.next).toBeUndefined();
        const ended = await store.list({ status: ["completed", "failed"], limit: 100 });
        expect(ended.runs).toHaveLength(20);
        const recent = await store.list({ updatedAfter: 1_006, limit: 100 });
        expect(recent.runs.map((run) => run.runId).sort()).toEqual(["p28", "p29"]);
        await expect(store.list({ after: "not a cursor" })).rejects.toThrow(/cursor/);
      }));

    it("records a signal once per id, durably, and hands back only those no save took in, oldest first", () =>
      withStore(async (store) => {
        await store.create(recordOf("s1"));
        const signal = (id: string, name = "paid") => ({ id, name, payload: { chargeId: id, nested: [1, null] }, sentAt: 100 });
        expect(await store.signal("s1", signal("a"))).toBe(true);
        expect(await store.signal("s1", signal("b", "approved"))).toBe(true);
        expect(await store.signal("s1", { ...signal("a"), payload: "a second send of id a" })).toBe(false);
        expect(await store.signals("s1")).toEqual([signal("a"), signal("b", "approved")]);
        await expect(store.signal("missing", signal("c"))).rejects.toThrow(/No stored run "missing"/);
        expect(await store.signals("missing")).toEqual([]);
        // The save that took a signal in marks it, in the same write; a taken id is still recorded once.
        await store.save(recordOf("s1", { seq: 2 }), { takeSignals: ["a"] });
        expect(await store.signals("s1")).toEqual([signal("b", "approved")]);
        expect(await store.signal("s1", signal("a"))).toBe(false);
        expect(await store.signals("s1")).toEqual([signal("b", "approved")]);
      }));

    it("takes no signal in with a save it refuses (old fence) or ignores (old seq)", () =>
      withStore(async (store) => {
        await store.create(recordOf("s2", { seq: 5 }));
        await store.signal("s2", { id: "x", name: "paid", payload: null, sentAt: 1 });
        await store.save(recordOf("s2", { seq: 4 }), { takeSignals: ["x"] });
        expect((await store.signals("s2")).map((s) => s.id)).toEqual(["x"]);
        const claim = await store.claim("s2", { fence: 1, heldUntil: 10_000, owner: "host-b:2", leaseUntil: 20_000 });
        expect(claim?.fence).toBe(2);
        await expect(store.save(recordOf("s2", { seq: 6 }), { takeSignals: ["x"] })).rejects.toBeInstanceOf(RunFencedError);
        expect((await store.signals("s2")).map((s) => s.id)).toEqual(["x"]);
        await store.save(recordOf("s2", { seq: 6, fence: 2, owner: "host-b:2" }), { takeSignals: ["x"] });
        expect(await store.signals("s2")).toEqual([]);
      }));

    it("deletes a run's signals with it", () =>
      withStore(async (store) => {
        await store.create(recordOf("s3"));
        await store.signal("s3", { id: "x", name: "paid", payload: 1, sentAt: 1 });
        await store.delete("s3");
        await store.create(recordOf("s3"));
        expect(await store.signals("s3")).toEqual([]);
        expect(await store.signal("s3", { id: "x", name: "paid", payload: 2, sentAt: 2 })).toBe(true);
      }));

    it("rejects every call once closed", async () => {
      const store = await factory.make();
      await store.close();
      await expect(store.load("x")).rejects.toThrow(/closed/);
      await expect(store.create(recordOf("x"))).rejects.toThrow(/closed/);
      await expect(store.claim("x", { fence: 1, heldUntil: null, owner: "a:1", leaseUntil: 1 })).rejects.toThrow(/closed/);
    });
  });
}
