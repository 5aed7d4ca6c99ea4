import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { create, FlowAlreadyRunningError, FlowValidationError, NonRetryableError, NotJsonError, StepTimeoutError } from "orchestrix";

afterEach(() => {
  vi.useRealTimers();
});

describe("a run", () => {
  it("completes with typed outputs, data, and a result per step", async () => {
    const flow = create("order", { schema: z.object({ qty: z.number() }) })
      .step("reserve", async (ctx) => {
        ctx.set("reservation", { id: "r1", qty: ctx.input.qty });
        return { reservationId: "r1" };
      })
      .step("charge", async (ctx) => `txn-for-${ctx.outputs.reserve.reservationId}`);
    const result = await flow.run({ qty: 2 }, { runId: "run-1" });
    expect(result).toMatchObject({
      name: "order",
      runId: "run-1",
      status: "completed",
      outputs: { reserve: { reservationId: "r1" }, charge: "txn-for-r1" },
      data: { reservation: { id: "r1", qty: 2 } },
    });
    expect(result.steps).toEqual([
      { name: "reserve", status: "completed", attempts: 1, durationMs: expect.any(Number) },
      { name: "charge", status: "completed", attempts: 1, durationMs: expect.any(Number) },
    ]);
    expect("error" in result).toBe(false);
  });

  it("gives each step its context: attempt, names, run id, a stable idempotency key", async () => {
    const seen: unknown[] = [];
    const flow = create("ctx").step(
      "pay",
      (ctx) => {
        seen.push({ attempt: ctx.attempt, step: ctx.stepName, runId: ctx.runId, key: ctx.idempotencyKey });
        if (ctx.attempt < 2) throw new Error("flaky");
      },
      { retries: 1 },
    );
    await flow.run(undefined, { runId: "r-9" });
    expect(seen).toEqual([
      { attempt: 1, step: "pay", runId: "r-9", key: "r-9:pay" },
      { attempt: 2, step: "pay", runId: "r-9", key: "r-9:pay" },
    ]);
  });

  it("makes a step's writes visible to later steps only when it completes; a failed attempt's writes are dropped", async () => {
    const reads: unknown[] = [];
    const flow = create("writes")
      .step(
        "a",
        (ctx) => {
          reads.push(["a", ctx.attempt, ctx.has("partial"), ctx.get("partial")]);
          ctx.set("partial", ctx.attempt);
          expect(ctx.get("partial")).toBe(ctx.attempt);
          if (ctx.attempt === 1) throw new Error("first attempt fails after writing");
        },
        { retries: 1 },
      )
      .step("b", (ctx) => {
        reads.push(["b", ctx.get("partial")]);
      });
    const result = await flow.run(undefined);
    expect(reads).toEqual([
      ["a", 1, false, undefined],
      ["a", 2, false, undefined],
      ["b", 2],
    ]);
    expect(result.data).toEqual({ partial: 2 });
  });

  it("fails after the retries and reports every attempt, with the original error object", async () => {
    const boom = new Error("gateway down");
    let calls = 0;
    const flow = create("fails").step(
      "pay",
      () => {
        calls++;
        throw boom;
      },
      { retries: 2 },
    );
    const result = await flow.run(undefined);
    expect(calls).toBe(3);
    expect(result.status).toBe("failed");
    if (result.status === "completed") throw new Error("unreachable");
    expect(result.error).toBe(boom);
    expect(result.steps[0]).toMatchObject({ name: "pay", status: "failed", attempts: 3, error: boom });
  });

  it("skips the remaining retries on NonRetryableError, and when retryIf says no", async () => {
    let calls = 0;
    const declined = create("declined").step(
      "pay",
      () => {
        calls++;
        throw new NonRetryableError("card declined");
      },
      { retries: 5 },
    );
    expect((await declined.run(undefined)).steps[0]?.attempts).toBe(1);
    expect(calls).toBe(1);

    const attemptsSeen: number[] = [];
    const picky = create("picky").step(
      "pay",
      (ctx) => {
        throw new Error(ctx.attempt < 2 ? "ETIMEDOUT" : "EACCES");
      },
      {
        retries: 5,
        retryIf: (error, attempt) => {
          attemptsSeen.push(attempt);
          return (error as Error).message === "ETIMEDOUT";
        },
      },
    );
    const result = await picky.run(undefined);
    expect(result.steps[0]?.attempts).toBe(2);
    expect(attemptsSeen).toEqual([1, 2]);
  });

  it("wraps a thrown non-Error value in an Error that says what was thrown", async () => {
    const flow = create("weird").step("a", () => {
      throw { code: 42 };
    });
    const result = await flow.run(undefined);
    if (result.status === "completed") throw new Error("unreachable");
    expect(result.error).toBeInstanceOf(Error);
    expect((result.error as Error).message).toBe('Step "a" of flow "weird" threw a non-Error value: {"code":42}');
    expect((result.error as Error).cause).toEqual({ code: 42 });
  });

  it("times out an attempt, aborts ctx.signal, and retries", async () => {
    vi.useFakeTimers();
    const aborts: unknown[] = [];
    const flow = create("slow").step(
      "call",
      (ctx) =>
        new Promise<string>((resolve) => {
          ctx.signal.addEventListener("abort", () => aborts.push(ctx.signal.reason));
          if (ctx.attempt === 2) setTimeout(() => resolve("fast enough"), 10);
        }),
      { timeoutMs: 1_000, retries: 1 },
    );
    const pending = flow.run(undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(aborts).toHaveLength(1);
    expect(aborts[0]).toBeInstanceOf(StepTimeoutError);
    expect((aborts[0] as Error).message).toBe('Step "call" of flow "slow" timed out after 1000 ms');
    await vi.advanceTimersByTimeAsync(20);
    const result = await pending;
    expect(result.status).toBe("completed");
    expect(result.outputs).toEqual({ call: "fast enough" });
    expect(result.steps[0]?.attempts).toBe(2);
  });

  it("rejects invalid input with FlowValidationError listing the issues, and runs nothing", async () => {
    let ran = false;
    const flow = create("validated", { schema: z.object({ orderId: z.string(), amount: z.number().positive() }) }).step(
      "a",
      () => {
        ran = true;
      },
    );
    const error = await flow.run({ orderId: 7, amount: -1 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowValidationError);
    const validation = error as FlowValidationError;
    expect(validation.code).toBe("INPUT_INVALID");
    expect(validation.issues.map((issue) => issue.path?.[0])).toEqual(["orderId", "amount"]);
    expect(validation.message).toMatch(/Invalid input for flow "validated":\n {2}- orderId: .*\n {2}- amount: /);
    expect(ran).toBe(false);
    expect(() => flow.start({ orderId: 7 } as never)).toThrow(FlowValidationError);
  });

  it("accepts an async schema in run(), and says start() cannot wait for one", async () => {
    const schema = z.object({ id: z.string() }).refine(async (value) => value.id.length > 0, "id must not be empty");
    const flow = create("async-schema", { schema }).step("a", (ctx) => ctx.input.id);
    expect((await flow.run({ id: "x" })).outputs).toEqual({ a: "x" });
    await expect(flow.run({ id: "" })).rejects.toThrow(/id must not be empty/);
    expect(() => flow.start({ id: "x" })).toThrow(/async schema; start\(\) must validate synchronously, use run\(\)/);
  });

  it("applies the schema's transforms once", async () => {
    const flow = create("transform", { schema: z.object({ n: z.string().transform((s) => s.length) }) }).step(
      "a",
      (ctx) => ctx.input.n * 10,
    );
    expect((await flow.run({ n: "abc" } as never)).outputs).toEqual({ a: 30 });
  });

  it("fails ctx.set of a function, a BigInt or a circular value at once with a clear error, without retrying", async () => {
    const circular: Record<string, unknown> = {};
    circular["self"] = circular;
    const cases: [unknown, RegExp][] = [
      [() => 1, /ctx\.set\("v", value\) must survive JSON.stringify\/JSON.parse, but value is a function/],
      [10n, /value is a BigInt \(10n\)/],
      [circular, /value\.self is circular/],
      [{ when: new Date(0) }, /value\.when is a Date; store date.toISOString\(\) instead/],
      [[1, undefined], /value\[1\] is undefined/],
      [Number.NaN, /value is NaN/],
    ];
    for (const [value, message] of cases) {
      let attempts = 0;
      const flow = create("json").step(
        "a",
        (ctx) => {
          attempts++;
          ctx.set("v", value);
        },
        { retries: 3 },
      );
      const result = await flow.run(undefined);
      if (result.status === "completed") throw new Error("unreachable");
      expect(result.error).toBeInstanceOf(NotJsonError);
      expect((result.error as Error).message).toMatch(/^Step "a" of flow "json": /);
      expect((result.error as Error).message).toMatch(message);
      expect(attempts).toBe(1);
    }
  });

  it("refuses a step return value that would not survive JSON", async () => {
    const flow = create("json-out").step("a", () => new Map());
    const result = await flow.run(undefined);
    if (result.status === "completed") throw new Error("unreachable");
    expect((result.error as Error).message).toMatch(/the value it returned must survive JSON.*value is a Map/);
  });

  it("stores frozen copies, so later mutation cannot change the snapshot behind the machine's back", async () => {
    const list = ["a"];
    const flow = create("frozen")
      .step("a", (ctx) => {
        ctx.set("list", list);
        list.push("mutated after set");
      })
      .step("b", (ctx) => {
        const stored = ctx.get<string[]>("list");
        expect(() => stored.push("x")).toThrow(TypeError);
        return stored;
      });
    expect((await flow.run(undefined)).outputs).toEqual({ b: ["a"] });
  });

  it("runs a flow without steps to completion", async () => {
    const result = await create("empty").run(undefined);
    expect(result.status).toBe("completed");
    expect(result.steps).toEqual([]);
  });

  it("never runs two live runs under one id in a process", async () => {
    let release!: () => void;
    let calls = 0;
    const flow = create("twice").step("a", () => (calls++ === 0 ? new Promise<void>((resolve) => (release = resolve)) : undefined));
    const first = flow.run(undefined, { runId: "dup" });
    await expect(flow.run(undefined, { runId: "dup" })).rejects.toThrow(FlowAlreadyRunningError);
    expect(() => flow.start(undefined, { runId: "dup" })).toThrow(/Run "dup" of flow "twice" is already running in this process/);
    await vi.waitFor(() => expect(release).toBeDefined());
    release();
    expect((await first).status).toBe("completed");
    expect((await flow.run(undefined, { runId: "dup" })).status).toBe("completed"); // free again once it ended
  });

  it("start() hands back the actor and the run id at once", async () => {
    const flow = create("handle").step("a", () => 1);
    const handle = flow.start(undefined, { runId: "h-1" });
    expect(handle.runId).toBe("h-1");
    expect(handle.actor.id).toBe("h-1");
    expect(handle.actor.getSnapshot().context.runId).toBe("h-1");
    expect((await handle.result).status).toBe("completed");
    expect(handle.actor.getSnapshot().status).toBe("done");
  });
});
