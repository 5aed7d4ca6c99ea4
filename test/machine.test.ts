import { describe, expect, it } from "vitest";
import type { AnyMachineSnapshot } from "xstate";
import { getShortestPaths } from "xstate/graph";
import { create } from "orchestrix";

const noop = () => {};
const flow = create("shop")
  .step("reserve", noop, { compensate: noop, retries: 1 })
  .step("charge", noop, { retries: 1 })
  .parallel(
    "notify",
    [
      { name: "email", fn: noop, options: { compensate: noop, retries: 1 } },
      { name: "sms", fn: noop, options: { retries: 1 } },
    ],
    { failFast: true },
  );

/** Every event the machine can receive: each invoked actor's done/error, and CANCEL. */
function allEvents() {
  const stepIds = ["reserve", "charge", "email", "sms"];
  return [
    { type: "CANCEL" },
    { type: "orchestrix.abortGroup", group: "notify" },
    ...stepIds.flatMap((id) => [
      { type: `xstate.done.actor.${id}`, output: { output: null, writes: {} } },
      { type: `xstate.error.actor.${id}`, error: new Error("step failed") },
      { type: `xstate.done.actor.${id}:retry-wait` },
      { type: `xstate.done.actor.${id}:compensate`, output: { output: undefined, writes: {} } },
      { type: `xstate.error.actor.${id}:compensate`, error: new Error("undo failed") },
      { type: `xstate.done.actor.${id}:compensate:retry-wait` },
    ]),
  ];
}

/** States are told apart by where they are and how far each step and undo got, not by timestamps. */
function serialize(state: AnyMachineSnapshot): string {
  const context = state.context as { steps: object; compensations: object };
  const progress = (records: object) =>
    Object.values(records).map((r: { status: string; attempts: number }) => `${r.status}${r.attempts}`);
  return JSON.stringify([state.value, progress(context.steps), progress(context.compensations)]);
}

function leafPaths(node: { key: string; states: Record<string, unknown> }, prefix: string[] = []): string[] {
  const children = Object.values(node.states) as { key: string; states: Record<string, unknown> }[];
  if (children.length === 0) return [prefix.join(".")];
  return children.flatMap((child) => leafPaths(child, [...prefix, child.key]));
}

describe("the generated machine", () => {
  it("is shaped like the flow: a state per step with running/retrying, a parallel group, a compensating branch, four finals", () => {
    const root = flow.machine.root;
    expect(root.id).toBe("shop");
    expect(Object.keys(root.states)).toEqual(["steps", "compensating", "completed", "failed", "cancelled", "compensation_failed"]);
    expect(Object.keys(root.states["steps"]!.states)).toEqual(["reserve", "charge", "notify"]);
    expect(Object.keys(root.states["steps"]!.states["reserve"]!.states)).toEqual(["running", "retrying"]);
    const notify = root.states["steps"]!.states["notify"]!;
    expect(notify.type).toBe("parallel");
    expect(Object.keys(notify.states)).toEqual(["email", "sms"]);
    expect(Object.keys(notify.states["email"]!.states)).toEqual(["running", "retrying", "done", "failed", "cancelled"]);
    // Only steps with a compensate get an undo state, newest first.
    expect(Object.keys(root.states["compensating"]!.states)).toEqual(["email", "reserve", "done"]);
    expect(Object.keys(root.states["compensating"]!.states["email"]!.states)).toEqual(["check", "running", "retrying"]);
    for (const final of ["completed", "failed", "cancelled", "compensation_failed"]) {
      expect(root.states[final]!.type).toBe("final");
    }
  });

  it("invokes each attempt with a stable, readable id", () => {
    const running = flow.machine.root.states["steps"]!.states["charge"]!.states["running"]!;
    expect(running.invoke.map((i) => [i.id, i.src])).toEqual([["charge", "attempt"]]);
    const waiting = flow.machine.root.states["steps"]!.states["charge"]!.states["retrying"]!;
    expect(waiting.invoke.map((i) => i.id)).toEqual(["charge:retry-wait"]);
    const undo = flow.machine.root.states["compensating"]!.states["reserve"]!.states["running"]!;
    expect(undo.invoke.map((i) => i.id)).toEqual(["reserve:compensate"]);
  });

  it("can reach every final state, and every state of every step", () => {
    const paths = getShortestPaths(flow.machine, {
      events: allEvents() as never,
      input: undefined,
      serializeState: serialize as never,
    });
    const reached = new Set(paths.map((path) => path.state.value).flatMap((value) => leafPaths(valueTree(value))));
    // "check" and "compensating.done" are transient: their eventless transitions leave them in the same step.
    const all = leafPaths(flow.machine.root as never).filter((leaf) => !/\.check$|^compensating\.done$/.test(leaf));
    expect(all.filter((leaf) => !reached.has(leaf))).toEqual([]);
    for (const final of ["completed", "failed", "cancelled", "compensation_failed"]) expect(reached).toContain(final);
  }, 60_000);

  it("keeps the context JSON-only", () => {
    const snapshot = flow.machine.getInitialSnapshot({ self: { id: "x", sessionId: "x" } } as never, undefined);
    expect(JSON.parse(JSON.stringify(snapshot.context))).toEqual(snapshot.context);
  });
});

/** Turns a state value ("a" or { a: { b: "c" } }) into the same tree shape as machine nodes. */
function valueTree(value: unknown): { key: string; states: Record<string, unknown> } {
  const build = (v: unknown): Record<string, unknown> =>
    typeof v === "string"
      ? { [v]: { key: v, states: {} } }
      : Object.fromEntries(
          Object.entries(v as Record<string, unknown>).map(([k, child]) => [k, { key: k, states: build(child) }]),
        );
  return { key: "", states: build(value) };
}
