import { describe, expect, it } from "vitest";
import { create } from "orchestrix";
import { createInitialContext, PreparedInput } from "../src/compile/input.js";
import * as records from "../src/compile/records.js";
import type { Target } from "../src/compile/records.js";
import { pendingRecord, type FlowContext, type StepRecord } from "../src/snapshot/context.js";

const charge: Target = { kind: "step", step: "charge" };
const undoCharge: Target = { kind: "compensation", step: "charge" };

const noop = () => {};
const shop = create("shop").step("reserve", noop).step("charge", noop, { compensate: noop }).step("email", noop);

/** A fresh context of the `shop` flow, as the machine starts it (at t=1000), with `overrides`. */
function context(overrides: Partial<FlowContext> = {}): FlowContext {
  const self = { id: "run-1", sessionId: "session" };
  const initial = createInitialContext(shop.definition, "hash", new PreparedInput({ order: 1 }, "run-1"), self);
  return { ...initial, startedAt: 1000, ...overrides };
}

/** The context after `change`, as `assign` would merge it. */
const after = (before: FlowContext, change: Partial<FlowContext>): FlowContext => ({ ...before, ...change });

/** A record whose attempt `attempts` began at `startedAt` and is still running. */
function running(attempts: number, startedAt: number): StepRecord {
  const history = Array.from({ length: attempts }, (_, i) => ({
    startedAt: startedAt - (attempts - 1 - i) * 100,
    endedAt: i < attempts - 1 ? startedAt - (attempts - 1 - i) * 100 + 50 : null,
    error: null,
  }));
  return { status: "running", attempts, startedAt: history[0]?.startedAt ?? null, endedAt: null, retryAt: null, error: null, history };
}

describe("beginning attempts", () => {
  it("begins the first attempt of each step it names, and leaves the others and the input context alone", () => {
    const before = context();
    const next = after(before, records.beginAttempts(before, "step", ["reserve", "email"], 2000));
    expect(next.steps.reserve).toEqual({
      status: "running",
      attempts: 1,
      startedAt: 2000,
      endedAt: null,
      retryAt: null,
      error: null,
      history: [{ startedAt: 2000, endedAt: null, error: null }],
    });
    expect(next.steps.email?.attempts).toBe(1);
    expect(next.steps.charge).toEqual(pendingRecord());
    expect(before.steps.reserve).toEqual(pendingRecord());
    expect(next.compensations).toBe(before.compensations);
  });

  it("keeps a retried step's first start and its last error, and clears the retry deadline", () => {
    const retrying: StepRecord = {
      ...running(1, 2000),
      status: "retrying",
      retryAt: 2500,
      error: { name: "Error", message: "boom", stack: null, code: null },
      history: [{ startedAt: 2000, endedAt: 2100, error: { name: "Error", message: "boom", stack: null, code: null } }],
    };
    const before = context({ steps: { charge: retrying } });
    const record = after(before, records.beginAttempts(before, "step", ["charge"], 2500)).steps.charge;
    expect(record).toMatchObject({ status: "running", attempts: 2, startedAt: 2000, retryAt: null, error: { message: "boom" } });
    expect(record?.history.map((attempt) => [attempt.startedAt, attempt.endedAt])).toEqual([
      [2000, 2100],
      [2500, null],
    ]);
  });

  it("begins compensations in their own collection", () => {
    const before = context();
    const next = after(before, records.beginAttempts(before, "compensation", ["charge"], 3000));
    expect(next.compensations.charge).toMatchObject({ status: "running", attempts: 1, startedAt: 3000 });
    expect(next.steps).toBe(before.steps);
  });
});

describe("completing an attempt", () => {
  it("closes the attempt, keeps the output, merges the writes and begins the steps the transition enters", () => {
    const before = context({ steps: { ...context().steps, charge: running(1, 2000) }, data: { kept: 1 } });
    const next = after(before, records.completeAttempt(before, charge, { output: { id: "ch_1" }, writes: { chargeId: "ch_1" } }, ["email"], 2300));
    expect(next.steps.charge).toMatchObject({ status: "completed", endedAt: 2300, error: null, attempts: 1 });
    expect(next.steps.charge?.history).toEqual([{ startedAt: 2000, endedAt: 2300, error: null }]);
    expect(next.outputs).toEqual({ charge: { id: "ch_1" } });
    expect(next.data).toEqual({ kept: 1, chargeId: "ch_1" });
    expect(next.steps.email).toMatchObject({ status: "running", attempts: 1, startedAt: 2300 });
  });

  it("keeps the same data object when the attempt wrote nothing", () => {
    const before = context({ steps: { ...context().steps, charge: running(1, 2000) } });
    const change = records.completeAttempt(before, charge, { output: undefined, writes: {} }, [], 2300);
    expect(change.data).toBe(before.data);
  });

  it("records a compensation's success without touching the outputs or the steps", () => {
    const before = context({ compensations: { charge: running(1, 4000) } });
    const change = records.completeAttempt(before, undoCharge, { output: undefined, writes: {} }, [], 4200);
    expect(Object.keys(change).sort()).toEqual(["compensations", "data"]);
    expect(change.compensations?.charge).toMatchObject({ status: "completed", endedAt: 4200 });
  });
});

describe("failing an attempt", () => {
  it("schedules a retry: closes the attempt with its error and sets the absolute deadline", () => {
    const before = context({ steps: { charge: running(1, 2000) } });
    const record = after(before, records.scheduleRetry(before, charge, new Error("declined"), 500, 2100)).steps.charge;
    expect(record).toMatchObject({ status: "retrying", retryAt: 2600, error: { name: "Error", message: "declined" } });
    expect(record?.history).toEqual([{ startedAt: 2000, endedAt: 2100, error: expect.objectContaining({ message: "declined" }) }]);
    expect(records.retryDelayOf(record)).toBe(500);
  });

  it("gives up: the first step to fail becomes the flow's cause", () => {
    const before = context({ steps: { charge: running(2, 2000) } });
    const next = after(before, records.giveUp(before, charge, new Error("declined"), 2200));
    expect(next.steps.charge).toMatchObject({ status: "failed", endedAt: 2200, attempts: 2, error: { message: "declined" } });
    expect(next.steps.charge?.history.at(-1)).toMatchObject({ endedAt: 2200, error: { message: "declined" } });
    expect(next).toMatchObject({ failedStep: "charge", error: { message: "declined" } });
  });

  it("gives up without changing the cause once the flow has one, or for a compensation", () => {
    const cause = { name: "Error", message: "first", stack: null, code: null };
    const failed = context({ steps: { charge: running(1, 2000) }, error: cause, failedStep: "reserve" });
    expect(after(failed, records.giveUp(failed, charge, new Error("second"), 2100))).toMatchObject({ error: cause, failedStep: "reserve" });
    const undoing = context({ compensations: { charge: running(1, 4000) } });
    const change = records.giveUp(undoing, undoCharge, new Error("undo failed"), 4100);
    expect(change).not.toHaveProperty("error");
    expect(change.compensations?.charge).toMatchObject({ status: "failed", error: { message: "undo failed" } });
  });
});

describe("cancelling", () => {
  it("makes the first cancel the flow's cause, calling for the cause only then", () => {
    const before = context();
    let calls = 0;
    const cause = () => (calls++, new Error("cancelled by user"));
    const next = after(before, records.cancel(before, "user", cause));
    expect(next).toMatchObject({ cancelled: true, cancelReason: "user", error: { message: "cancelled by user" } });
    expect(records.cancel(next, "again", cause)).toEqual({});
    expect(calls).toBe(1);
  });

  it("keeps a step's failure as the cause when it came first", () => {
    const before = context({ failedStep: "charge", error: { name: "Error", message: "declined", stack: null, code: null } });
    expect(records.cancel(before, null, () => new Error("unused"))).toEqual({ cancelled: true, cancelReason: null });
  });

  it("marks an interrupted running step cancelled and closes its attempt with the reason", () => {
    const before = context({ steps: { charge: running(1, 2000) } });
    const record = after(before, records.markInterrupted(before, charge, new Error("aborted"), false, 2050)).steps.charge;
    expect(record).toMatchObject({ status: "cancelled", endedAt: 2050, retryAt: null, attempts: 1 });
    expect(record?.history).toEqual([{ startedAt: 2000, endedAt: 2050, error: expect.objectContaining({ message: "aborted" }) }]);
  });

  it("takes back an attempt that never started, so it is not counted", () => {
    const before = context({ steps: { charge: running(2, 2000) } });
    const record = after(before, records.markInterrupted(before, charge, new Error("not started"), true, 2050)).steps.charge;
    expect(record).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(record?.history).toHaveLength(1);
  });

  it("keeps the last attempt's own error when the step was waiting to retry", () => {
    const closed = { startedAt: 2000, endedAt: 2100, error: { name: "Error", message: "declined", stack: null, code: null } };
    const retrying: StepRecord = { ...running(1, 2000), status: "retrying", retryAt: 3000, history: [closed] };
    const before = context({ steps: { charge: retrying } });
    const record = after(before, records.markInterrupted(before, charge, new Error("aborted"), true, 2500)).steps.charge;
    expect(record).toMatchObject({ status: "cancelled", attempts: 1, retryAt: null, endedAt: 2500 });
    expect(record?.history).toEqual([closed]);
  });

  it("adds a fail-fast group to the aborted ones", () => {
    const before = context({ abortedGroups: ["a"] });
    expect(records.markGroupAborted(before, "notify")).toEqual({ abortedGroups: ["a", "notify"] });
    expect(before.abortedGroups).toEqual(["a"]);
  });
});

describe("reading records", () => {
  it("reads a missing record as pending", () => {
    expect(records.recordOf(context({ steps: {} }), charge)).toEqual(pendingRecord());
  });

  it("gives an attempt its run, its number and, for compensations only, the flow's error", () => {
    const error = { name: "Error", message: "declined", stack: null, code: null };
    const before = context({ steps: { charge: running(2, 2000) }, compensations: { charge: running(1, 4000) }, error });
    expect(records.attemptInput(before, charge)).toEqual({
      kind: "step",
      step: "charge",
      runId: "run-1",
      attempt: 2,
      input: { order: 1 },
      data: {},
      outputs: {},
      error: null,
    });
    expect(records.attemptInput(before, undoCharge)).toMatchObject({ kind: "compensation", attempt: 1, error });
  });

  it("measures the last attempt, until now while it runs", () => {
    expect(records.lastAttemptMs(running(1, 2000), 2075)).toBe(75);
    expect(records.lastAttemptMs(pendingRecord(), 2075)).toBe(0);
    expect(records.retryDelayOf(running(1, 2000))).toBe(0);
  });

  it("ends the flow with a status and a time", () => {
    expect(records.finish("failed", 5000)).toEqual({ status: "failed", endedAt: 5000 });
  });
});
