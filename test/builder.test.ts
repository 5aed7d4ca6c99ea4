import { describe, expect, it } from "vitest";
import { create, FlowDefinitionError } from "orchestrix";

const noop = async () => {};

describe("the builder", () => {
  it("is immutable: each step returns a new flow and leaves the old one as it was", () => {
    const base = create("immutable").step("a", noop);
    const longer = base.step("b", noop);
    expect(base.definition.nodes.map((n) => n.name)).toEqual(["a"]);
    expect(longer.definition.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    expect(base.step("c", noop).definition.nodes.map((n) => n.name)).toEqual(["a", "c"]);
  });

  it("builds the machine once and caches it", () => {
    const flow = create("cached").step("a", noop);
    expect(flow.machine).toBe(flow.machine);
  });

  it("rejects a duplicate step name, naming it", () => {
    const flow = create("dupes").step("charge", noop);
    expect(() => (flow as unknown as ReturnType<typeof create>).step("charge", noop)).toThrow(FlowDefinitionError);
    expect(() => (flow as unknown as ReturnType<typeof create>).step("charge", noop)).toThrow(/already has a step named "charge"/);
  });

  it("rejects a branch named like an earlier step, and a group named like a step", () => {
    const flow = create("dupes").step("email", noop);
    expect(() => flow.parallel("notify", [{ name: "email", fn: noop }])).toThrow(/"email"/);
    expect(() => flow.parallel("email", [{ name: "sms", fn: noop }])).toThrow(/"email"/);
    expect(() =>
      create("dupes").parallel("notify", [
        { name: "sms", fn: noop },
        { name: "sms", fn: noop },
      ]),
    ).toThrow(/"sms"/);
  });

  it.each([
    [{ retries: -1 }, /`retries` to be a non-negative integer, got -1/],
    [{ retries: 1.5 }, /`retries` to be a non-negative integer, got 1.5/],
    [{ retryDelayMs: Number.NaN }, /`retryDelayMs` to be a non-negative finite number, got NaN/],
    [{ backoffFactor: "quadratic" }, /`backoffFactor` to be "fixed", "linear", "exponential" or a positive number, got "quadratic"/],
    [{ backoffFactor: -2 }, /`backoffFactor`.*got -2/],
    [{ maxRetryDelayMs: -5 }, /`maxRetryDelayMs`.*got -5/],
    [{ jitter: "yes" }, /`jitter` to be a boolean, got "yes"/],
    [{ timeoutMs: 0 }, /`timeoutMs` to be a positive finite number, got 0/],
    [{ retryIf: true }, /`retryIf` to be a function, got true/],
    [{ compensate: "undo" }, /`compensate` to be a function, got string/],
    [{ compensation: { retries: -3 } }, /`compensation.retries` to be a non-negative integer, got -3/],
    [{ retry: 3 }, /unknown option `retry` \(did you mean `retries`\?\)/],
    [{ compensation: { backof: "fixed" } }, /unknown option `compensation.backof`/],
  ])("rejects invalid options %j with a message naming the step and the option", (options, message) => {
    const build = () => create("opts").step("pay", noop, options as never);
    expect(build).toThrow(FlowDefinitionError);
    expect(build).toThrow(/Step "pay" of flow "opts"/);
    expect(build).toThrow(message);
  });

  it("rejects a step without a function, an empty name, or a name XState cannot use", () => {
    expect(() => create("f").step("a", undefined as never)).toThrow(/Step "a" of flow "f": expected a function, got undefined/);
    expect(() => create("f").step("", noop)).toThrow(/non-empty name/);
    expect(() => create("f").step("a.b", noop)).toThrow(/without "\." or "#"/);
    expect(() => create("f").parallel("notify#1", [{ name: "a", fn: noop }])).toThrow(/Parallel group of flow "f": expected a non-empty name/);
    expect(() => create("bad.name")).toThrow(/flow name/);
  });

  it("rejects a schema that is not a Standard Schema, and an empty parallel group", () => {
    expect(() => create("f", { schema: {} as never })).toThrow(/Standard Schema v1/);
    expect(() => create("f").parallel("p", [])).toThrow(/at least one branch/);
    expect(() => create("f").parallel("p", [{ name: "a", fn: noop }], { failFast: "yes" as never })).toThrow(
      /`failFast` to be a boolean/,
    );
  });

  it("changes the definition hash when the shape changes, and only then", () => {
    const a = create("h").step("a", noop).step("b", noop, { compensate: noop });
    const sameShape = create("h").step("a", noop, { retries: 4 }).step("b", noop, { compensate: noop, retryDelayMs: 9 });
    const reordered = create("h").step("b", noop, { compensate: noop }).step("a", noop);
    const noUndo = create("h").step("a", noop).step("b", noop);
    expect(sameShape.definitionHash).toBe(a.definitionHash);
    expect(reordered.definitionHash).not.toBe(a.definitionHash);
    expect(noUndo.definitionHash).not.toBe(a.definitionHash);
    expect(a.definitionHash).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("the flow config", () => {
  it("rejects an unknown config option, naming the flow", () => {
    expect(() => create("cfg", { loging: true } as never)).toThrow('The config of flow "cfg": unknown option `loging` (did you mean `logging`?)');
    expect(() => create("cfg").parallel("p", [{ name: "a", fn: noop }], { failfast: true } as never)).toThrow(
      'Parallel group "p" of flow "cfg": unknown option `failfast` (did you mean `failFast`?)',
    );
  });
});
