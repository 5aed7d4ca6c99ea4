import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { create, FlowValidationError, memoryStore, resumeAll, RunHandedBackError, RunInputMismatchError, RunTimeoutError, StoreError } from "orchestrix";
import { postgresStore, RUN_QUEUE, type PostgresStore } from "orchestrix/postgres";
import { createDatabase, dropDatabases, postgresUnavailable } from "./support/postgres.js";

/**
 * The PostgreSQL store's queue, against a real PostgreSQL: `flow.enqueue()` writes the run's
 * record and its pg-boss job in one transaction, the run id is an idempotency key, `flow.result()`
 * waits for a run that ends elsewhere, and a parked run gets a job due at its deadline. No worker
 * is needed to see what was queued.
 */

const skip = await postgresUnavailable();
const databases: string[] = [];
afterAll(() => dropDatabases(databases));

const order = create("enqueue-order", { schema: z.object({ orderId: z.string(), amount: z.number().positive() }) })
  .step("charge", (ctx) => ({ charged: ctx.input.amount }))
  .step("ship", () => "shipped");
const other = create("enqueue-other").step("only", () => 1);

async function freshStore(): Promise<PostgresStore> {
  const { name, url } = await createDatabase();
  databases.push(name);
  return postgresStore({ connectionString: url });
}

async function jobsOf(store: PostgresStore, runId: string): Promise<number> {
  const { rows } = await store.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'runId' = $2`, [RUN_QUEUE, runId]);
  return rows[0]?.n ?? 0;
}

describe("flow.enqueue without a queue", () => {
  it("refuses a store that cannot queue runs, naming what it needs, and stores nothing", async () => {
    const store = memoryStore();
    await expect(order.enqueue({ orderId: "o", amount: 1 }, { store, runId: "m-1" })).rejects.toThrow(StoreError);
    await expect(order.enqueue({ orderId: "o", amount: 1 }, { store, runId: "m-1" })).rejects.toThrow(/needs a store that queues runs for workers \(postgresStore/);
    expect(await store.load("m-1")).toBeUndefined();
  });
});

describe.skipIf(skip !== undefined)("flow.enqueue and flow.result on PostgreSQL", () => {
  it("stores the run, unclaimed, with exactly one job; the same id and input again is the same run", async () => {
    const store = await freshStore();
    const input = { orderId: "o-1", amount: 12 };
    expect(await order.enqueue(input, { store, runId: "q-1" })).toEqual({ runId: "q-1" });
    const record = await store.load("q-1");
    expect(record).toMatchObject({ flow: "enqueue-order", status: "running", owner: null, leaseUntil: null, fence: 0, seq: 0 });
    expect(await jobsOf(store, "q-1")).toBe(1);
    // Key order does not make it other input.
    expect(await order.enqueue({ amount: 12, orderId: "o-1" }, { store, runId: "q-1" })).toEqual({ runId: "q-1" });
    expect(await jobsOf(store, "q-1")).toBe(1);
    expect((await store.load("q-1"))?.createdAt).toBe(record?.createdAt);
    await expect(order.enqueue({ orderId: "o-1", amount: 13 }, { store, runId: "q-1" })).rejects.toThrow(RunInputMismatchError);
    await expect(other.enqueue(undefined, { store, runId: "q-1" })).rejects.toThrow(/already used by a run of flow "enqueue-order", not "enqueue-other"/);
    expect(await jobsOf(store, "q-1")).toBe(1);
    // A process that resumes what it finds on start leaves a queued run to the workers.
    const { resumed, skipped } = await resumeAll({ store, flows: [order] });
    expect(resumed).toEqual([]);
    expect(skipped).toEqual([{ runId: "q-1", flow: "enqueue-order", reason: "it is queued for a worker (the store's queue has its job)" }]);
    await store.close();
  });

  it("validates the input before anything is written", async () => {
    const store = await freshStore();
    const refused = order.enqueue({ orderId: "o-2", amount: -5 } as never, { store, runId: "q-2" });
    await expect(refused).rejects.toThrow(FlowValidationError);
    await expect(refused).rejects.toThrow(/amount/);
    expect(await store.load("q-2")).toBeUndefined();
    await store.close();
  });

  it("writes the record and the job in one transaction: when the job cannot be written, neither is", async () => {
    const store = await freshStore();
    await order.enqueue({ orderId: "warm", amount: 1 }, { store, runId: "warm" }); // pg-boss's schema exists now
    await store.pool.query("ALTER TABLE pgboss.job RENAME TO job_away");
    try {
      await expect(order.enqueue({ orderId: "o-3", amount: 3 }, { store, runId: "q-3" })).rejects.toThrow(/job/);
    } finally {
      await store.pool.query("ALTER TABLE pgboss.job_away RENAME TO job");
    }
    expect(await store.load("q-3")).toBeUndefined();
    // Nothing half-written is in the way: the same id queues now.
    await order.enqueue({ orderId: "o-3", amount: 3 }, { store, runId: "q-3" });
    expect(await jobsOf(store, "q-3")).toBe(1);
    await store.close();
  });

  it("result() waits for a run that ends elsewhere, and times out saying where the run stands", async () => {
    const store = await freshStore();
    await order.enqueue({ orderId: "o-4", amount: 4 }, { store, runId: "q-4" });
    const waiting = order.result("q-4", { store, timeoutMs: 20_000 });
    // Another process would be a worker; here the same store resumes it, which is what a worker does.
    setTimeout(() => void order.resume("q-4", { store }), 100);
    const result = await waiting;
    expect(result).toMatchObject({ status: "completed", outputs: { charge: { charged: 4 }, ship: "shipped" }, cached: true });
    await order.enqueue({ orderId: "o-5", amount: 5 }, { store, runId: "q-5" });
    const late = order.result("q-5", { store, timeoutMs: 150 });
    await expect(late).rejects.toThrow(RunTimeoutError);
    await expect(late).rejects.toThrow(/did not end within 150 ms: it is queued and no worker holds it/);
    await expect(other.result("q-4", { store })).rejects.toThrow(/belongs to flow "enqueue-order", not "enqueue-other"/);
    await store.close();
  });

  it("parks a run that only waits for a retry longer than parkAfterMs: released, with one job due at the deadline", async () => {
    const store = await freshStore();
    let attempts = 0;
    const flow = create("queue-park").step(
      "flaky",
      () => {
        if (++attempts === 1) throw new Error("transient");
        return "ok";
      },
      { retries: 1, retryDelayMs: 60_000 },
    );
    const before = Date.now();
    const error = await flow.run(undefined, { store, runId: "park-1", parkAfterMs: 1_000 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunHandedBackError);
    const wakeAt = (error as RunHandedBackError).wakeAt ?? 0;
    expect(wakeAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(wakeAt).toBeLessThan(Date.now() + 60_000);
    expect(await store.load("park-1")).toMatchObject({ status: "running", owner: null, leaseUntil: wakeAt, currentStep: "flaky (waiting to retry)" });
    const { rows } = await store.pool.query<{ due: number }>(
      `SELECT (extract(epoch FROM start_after) * 1000)::float8 AS due FROM pgboss.job WHERE name = $1 AND data->>'runId' = 'park-1'`,
      [RUN_QUEUE],
    );
    expect(rows.length).toBe(1);
    expect(Math.abs((rows[0]?.due ?? 0) - wakeAt)).toBeLessThan(5);
    expect(attempts).toBe(1);

    // A wait shorter than parkAfterMs stays in memory.
    attempts = 0;
    const short = create("queue-short").step(
      "flaky",
      () => {
        if (++attempts === 1) throw new Error("transient");
      },
      { retries: 1, retryDelayMs: 100 },
    );
    expect((await short.run(undefined, { store, runId: "park-2", parkAfterMs: 1_000 })).status).toBe("completed");
    expect(attempts).toBe(2);
    expect(await jobsOf(store, "park-2")).toBe(0);
    await store.close();
  });
});
