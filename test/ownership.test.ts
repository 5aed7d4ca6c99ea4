import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  create,
  FlowAlreadyRunningError,
  FlowDefinitionError,
  FlowValidationError,
  memoryStore,
  resumeAll,
  RunFencedError,
  RunInputMismatchError,
  StepTimeoutError,
  type RunStore,
} from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { createProgram } from "../src/cli/program.js";

const dir = mkdtempSync(join(tmpdir(), "orchestrix-ownership-"));
let files = 0;
const dbPath = () => join(dir, `runs-${files++}.db`);

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe("fenced saves", () => {
  it("stops a run whose claim was taken from another store handle: the next step never starts, the new owner's data stays", async () => {
    const path = dbPath();
    const first = sqliteStore({ path });
    const second = sqliteStore({ path });
    const inB = gate();
    const releaseB = gate();
    const started: string[] = [];
    const flow = create("fenced")
      .step("a", () => started.push("a"))
      .step("b", async () => {
        started.push("b");
        inB.open();
        await releaseB.opened;
      })
      .step("c", () => started.push("c"));
    const result = flow.run(null, { store: first, runId: "f-1" });
    await inB.opened;

    const seen = (await second.load("f-1"))!;
    const claim = await second.claim("f-1", { fence: seen.fence, heldUntil: seen.leaseUntil, owner: "other-host:4242", leaseUntil: Date.now() + 60_000 });
    expect(claim?.fence).toBe(seen.fence + 1);
    const newOwners = { ...claim!.record, seq: claim!.record.seq + 1, owner: "other-host:4242", currentStep: "the new owner's step" };
    await second.save(newOwners);

    releaseB.open();
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFencedError);
    expect(error).toMatchObject({ code: "RUN_FENCED", runId: "f-1" });
    expect(started).toEqual(["a", "b"]);
    expect(await second.load("f-1")).toEqual(await first.load("f-1"));
    expect(await second.load("f-1")).toMatchObject({ owner: "other-host:4242", fence: claim!.fence, currentStep: "the new owner's step" });
    await first.close();
    await second.close();
  });

  it("stops a run at its lease renewal when another owner claimed it, even before its next save", async () => {
    const store = memoryStore();
    const inA = gate();
    let aborted = false;
    const flow = create("lease-lost").step("a", async (ctx) => {
      inA.open();
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      aborted = true;
    }).step("b", () => "never");
    const result = flow.run(null, { store, runId: "l-1", leaseMs: 90 });
    await inA.opened;
    const seen = (await store.load("l-1"))!;
    await store.claim("l-1", { fence: seen.fence, heldUntil: seen.leaseUntil, owner: "other-host:1", leaseUntil: Date.now() + 60_000 });
    await expect(result).rejects.toBeInstanceOf(RunFencedError);
    expect(aborted).toBe(true);
    expect((await store.load("l-1"))?.owner).toBe("other-host:1");
  });
});

describe("leases", () => {
  const abandoned = async (store: RunStore, leaseUntil: number) => {
    const flow = create("leased").step("a", () => 1).step("b", () => 2);
    const handle = flow.start(null, { store, runId: "x" });
    handle.actor.stop();
    await handle.result.catch(() => undefined);
    const record = (await store.load("x"))!;
    // Now held by a process on another host, whose lease ends at `leaseUntil`.
    await store.claim("x", { fence: record.fence, heldUntil: record.leaseUntil, owner: "far-away-host:77", leaseUntil });
    return flow;
  };

  it("refuses a run whose owner on another host holds an unexpired lease, and takes it over once the lease ran out", async () => {
    const store = memoryStore();
    const flow = await abandoned(store, Date.now() + 60_000);
    await expect(flow.resume("x", { store })).rejects.toBeInstanceOf(FlowAlreadyRunningError);
    const resumed = await resumeAll({ store, flows: [flow] });
    expect(resumed.skipped).toEqual([{ runId: "x", flow: "leased", reason: "held by far-away-host:77" }]);

    const expired = memoryStore();
    const again = await abandoned(expired, Date.now() - 1);
    expect((await again.resume("x", { store: expired })).status).toBe("completed");
  });

  it("renews the lease on a timer while a step runs, and clears it when the run ends", async () => {
    const store = memoryStore();
    const leases: (number | null)[] = [];
    const flow = create("renewed").step("slow", async () => {
      for (let i = 0; i < 4; i++) {
        leases.push((await store.load("r"))?.leaseUntil ?? null);
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    });
    await flow.run(null, { store, runId: "r", leaseMs: 90 });
    const distinct = new Set(leases);
    expect(distinct.size).toBeGreaterThanOrEqual(3);
    expect(leases.every((lease, i) => i === 0 || (lease ?? 0) >= (leases[i - 1] ?? 0))).toBe(true);
    expect(await store.load("r")).toMatchObject({ status: "completed", owner: null, leaseUntil: null });
  });
});

describe("run ids are idempotency keys", () => {
  const flow = create("orders", { schema: z.object({ amount: z.number() }) }).step("charge", (ctx) => ({ charged: ctx.input.amount }));

  it("refuses the same run id with other input, naming the id, and serves the stored result with cached: true", async () => {
    const store = memoryStore();
    const first = await flow.run({ amount: 10 }, { store, runId: "order-1" });
    expect(first.cached).toBeUndefined();
    const again = await flow.run({ amount: 10 }, { store, runId: "order-1" });
    expect(again).toMatchObject({ status: "completed", cached: true, outputs: { charge: { charged: 10 } } });
    const refused = await flow.run({ amount: 99 }, { store, runId: "order-1" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunInputMismatchError);
    expect((refused as Error).message).toMatch(/Run id "order-1" of flow "orders" was already used with other input/);
    expect((await store.load("order-1"))?.seq).toBe((await store.load("order-1"))?.seq);
  });

  it("refuses other input for an id already running in this process instead of handing it that run's result", async () => {
    const store = memoryStore();
    const running = flow.run({ amount: 1 }, { store, runId: "order-2" });
    await expect(flow.run({ amount: 2 }, { store, runId: "order-2" })).rejects.toBeInstanceOf(RunInputMismatchError);
    expect(flow.run({ amount: 1 }, { store, runId: "order-2" })).toBe(running);
    expect((await running).status).toBe("completed");
  });

  it("treats inputs with the same keys in another order as the same input", async () => {
    const store = memoryStore();
    const any = create("any-input").step("a", () => 1);
    await any.run({ a: 1, b: [1, { c: 2, d: 3 }] }, { store, runId: "same" });
    expect((await any.run({ b: [1, { d: 3, c: 2 }], a: 1 }, { store, runId: "same" })).cached).toBe(true);
  });
});

describe("a corrupt stored run does not stop the others", () => {
  it("is skipped by resumeAll with its reason while healthy runs resume, and runs list needs no snapshot", async () => {
    const path = dbPath();
    const store = sqliteStore({ path });
    const flow = create("mixed").step("a", () => 1).step("b", () => 2);
    for (const runId of ["healthy", "broken"]) {
      const handle = flow.start(null, { store, runId });
      handle.actor.stop();
      await handle.result.catch(() => undefined);
    }
    await store.close();
    const db = new Database(path);
    // Abandoned by a dead process, and one snapshot is no longer JSON.
    db.prepare("UPDATE orchestrix_runs SET owner = 'gone:999999999', lease_until = 0").run();
    db.prepare("UPDATE orchestrix_runs SET snapshot = '{not json' WHERE run_id = 'broken'").run();
    db.close();

    const reopened = sqliteStore({ path });
    const outcome = await resumeAll({ store: reopened, flows: [flow] });
    expect(outcome.resumed.map((run) => run.runId)).toEqual(["healthy"]);
    expect(outcome.skipped).toHaveLength(1);
    expect(outcome.skipped[0]).toMatchObject({ runId: "broken", flow: "mixed" });
    expect(outcome.skipped[0]?.reason).toMatch(/not valid JSON/);
    expect((await outcome.resumed[0]!.result).status).toBe("completed");
    expect((await reopened.list()).runs.map((run) => run.runId).sort()).toEqual(["broken", "healthy"]);
    await reopened.close();

    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      await createProgram().parseAsync(["node", "orchestrix", "runs", "list", "--store", `sqlite:${path}`]);
    } finally {
      console.log = log;
    }
    expect(lines.join("\n")).toMatch(/broken/);
    expect(lines.join("\n")).toMatch(/healthy/);
  });
});

describe("correctness found while trying it", () => {
  it("fails an attempt with StepTimeoutError even when its work settles as soon as ctx.signal aborts", async () => {
    const flow = create("settles-on-abort").step(
      "wait",
      (ctx) => new Promise<string>((resolve) => ctx.signal.addEventListener("abort", () => resolve("finished on abort"))),
      { timeoutMs: 30 },
    );
    const result = await flow.run(null);
    expect(result.status).toBe("failed");
    expect(result.steps[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect(result.steps[0]?.error).toBeInstanceOf(StepTimeoutError);
  });

  it("turns logging off with { enabled: false } and refuses unknown keys in nested options, with did-you-mean", () => {
    const lines: string[] = [];
    const quiet = create("quiet", { logging: { enabled: false, write: (line) => lines.push(line) } }).step("a", () => 1);
    const loud = create("loud", { logging: { write: (line) => lines.push(line) } }).step("a", () => 1);
    return Promise.all([quiet.run(null), loud.run(null)]).then(() => {
      expect(lines.some((line) => line.includes("[quiet"))).toBe(false);
      expect(lines.some((line) => line.includes("[loud"))).toBe(true);
      expect(() => create("typo", { logging: { enabeld: false } as never })).toThrow(/unknown option `logging.enabeld` \(did you mean `logging.enabled`\?\)/);
      expect(() => create("x").step("a", () => 1, { compensation: { retires: 2 } as never })).toThrow(
        /unknown option `compensation.retires` \(did you mean `compensation.retries`\?\)/,
      );
    });
  });

  it("refuses a function given as `compensation`, pointing to `compensate`", () => {
    expect(() => create("x").step("a", () => 1, { compensation: (async () => {}) as never })).toThrow(FlowDefinitionError);
    expect(() => create("x").step("a", () => 1, { compensation: (async () => {}) as never })).toThrow(
      /expected `compensation` to be the compensation's retry policy .* got a function; the function that undoes the step goes in `compensate`/,
    );
  });

  it("refuses a step or flow named __proto__ at build time", () => {
    expect(() => create("x").step("__proto__", () => 1)).toThrow(/not "__proto__"/);
    expect(() => create("__proto__")).toThrow(/not "__proto__"/);
    expect(() => create("x").parallel("g", [{ name: "__proto__", fn: () => 1 }])).toThrow(/not "__proto__"/);
  });

  it("keeps ctx keys own keys only: __proto__ is stored like any key, toString is not there", async () => {
    const store = memoryStore();
    const flow = create("keys")
      .step("write", (ctx) => {
        ctx.set("__proto__", { polluted: true });
        return { inherited: ctx.get("toString") === undefined, has: ctx.has("toString") };
      })
      .step("read", (ctx) => ({ proto: ctx.get("__proto__"), toString: ctx.get("toString") ?? null }));
    const result = await flow.run(null, { store, runId: "k" });
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ write: { inherited: true, has: false }, read: { proto: { polluted: true }, toString: null } });
    expect(Object.hasOwn(result.data, "__proto__")).toBe(true);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const stored = JSON.stringify((await store.load("k"))?.snapshot);
    expect(stored).toContain('"__proto__":{"polluted":true}');
  });

  it("refuses input nested 10,000 levels deep with a clear validation error", async () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 10_000; i++) deep = { child: deep };
    const flow = create("deep").step("a", () => 1);
    const error = await flow.run(deep).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowValidationError);
    expect((error as Error).message).toMatch(/nested more than 512 levels deep/);
    const schemaFlow = create("deep-schema", { schema: z.any() }).step("a", () => 1);
    await expect(schemaFlow.run(deep)).rejects.toBeInstanceOf(FlowValidationError);
  });
});

describe("found in review", () => {
  it("a start() under a taken id writes nothing over the owner's record, not even a cancel right after it", async () => {
    for (const store of [memoryStore(), sqliteStore({ path: dbPath() })]) {
      const flow = create("pay").step("charge", () => 1);
      const owner = flow.start({ amount: 100 }, { store, runId: "r1" });
      await owner.result;
      const before = await store.load("r1");
      const aborted = new AbortController();
      aborted.abort("user");
      const intruder = flow.start({ amount: 999 }, { store, runId: "r1", signal: aborted.signal });
      await expect(intruder.result).rejects.toMatchObject({ code: "RUN_EXISTS" });
      expect(await store.load("r1")).toEqual(before);
      await store.close();
    }
  });

  it("never hands a run of another store or flow the result of a call under way with the same id", async () => {
    const tenantA = memoryStore();
    const tenantB = memoryStore();
    const charge = create("charge").step("a", async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return "charged in A";
    });
    const refund = create("refund").step("a", () => "refunded in B");
    // One run id is live at most once per process: the second is refused, never joined to the first.
    const [a, b] = await Promise.allSettled([charge.run(null, { store: tenantA, runId: "order-1" }), refund.run(null, { store: tenantB, runId: "order-1" })]);
    expect(a).toMatchObject({ status: "fulfilled", value: { outputs: { a: "charged in A" } } });
    expect(b).toMatchObject({ status: "rejected", reason: { code: "ALREADY_RUNNING" } });
    expect(await tenantB.load("order-1")).toBeUndefined();
    expect((await refund.run(null, { store: tenantB, runId: "order-1" })).outputs).toEqual({ a: "refunded in B" });
  });

  it("checks the input of a run() that arrives while a resume of the same id is under way", async () => {
    const store = memoryStore();
    const release = gate();
    const flow = create("resumed", { schema: z.object({ amount: z.number() }) }).step("a", async (ctx) => {
      await release.opened;
      return ctx.input.amount;
    });
    const first = flow.start({ amount: 100 }, { store, runId: "r" });
    first.actor.stop();
    await first.result.catch(() => undefined);
    const resumed = flow.resume("r", { store });
    const other = flow.run({ amount: 999 }, { store, runId: "r" });
    release.open();
    expect((await resumed).outputs).toEqual({ a: 100 });
    await expect(other).rejects.toBeInstanceOf(RunInputMismatchError);
  });

  it("does not let a claimant take a run whose owner renewed its lease after the claimant read it", async () => {
    const store = memoryStore();
    const release = gate();
    const flow = create("slow-owner").step("a", () => release.opened).step("b", () => "b");
    const running = flow.run(null, { store, runId: "s", leaseMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const read = (await store.load("s"))!;
    expect(await store.renew("s", read.fence, Date.now() + 60_000)).toBe(true);
    expect(await store.claim("s", { fence: read.fence, heldUntil: read.leaseUntil, owner: "elsewhere:1", leaseUntil: Date.now() + 60_000 })).toBeUndefined();
    release.open();
    expect((await running).status).toBe("completed");
  });
});
