import { describe, expect, it } from "vitest";
import { create } from "orchestrix";
import { CHAR_WIDTH } from "../src/graph/layout.js";
import { activeStateIds, layoutMachine, renderSvg } from "../src/inspector/index.js";

const saga = create("order-saga")
  .step("reserve", () => 1, { compensate: () => {} })
  .step("charge", () => 2, { retries: 2, compensate: () => {} })
  .parallel("notify", [
    { name: "email", fn: () => 3 },
    { name: "sms", fn: () => 4 },
  ])
  .step("<ship & track>", () => 5);

describe("layoutMachine", () => {
  it("places every state as a nested box inside its parent, with the compensating branch and outcomes coloured", async () => {
    const layout = await layoutMachine(saga.toJSON());
    const byId = new Map(layout.states.map((state) => [state.id, state]));
    for (const id of [
      "order-saga.steps.reserve.running",
      "order-saga.steps.charge.retrying",
      "order-saga.steps.notify.email.done",
      "order-saga.compensating.charge.check",
      "order-saga.completed",
    ]) {
      expect(byId.has(id), id).toBe(true);
    }
    const inside = (child: string, parent: string) => {
      const c = byId.get(child)!;
      const p = byId.get(parent)!;
      return c.x >= p.x && c.y >= p.y && c.x + c.width <= p.x + p.width && c.y + c.height <= p.y + p.height;
    };
    expect(inside("order-saga.steps.charge.retrying", "order-saga.steps.charge")).toBe(true);
    expect(inside("order-saga.steps.charge", "order-saga.steps")).toBe(true);
    expect(inside("order-saga.compensating.reserve.running", "order-saga.compensating")).toBe(true);
    expect(byId.get("order-saga.steps.notify")!.kind).toBe("parallel");
    expect(byId.get("order-saga.steps.notify.sms")!.region).toBe(true);
    expect(byId.get("order-saga.steps.charge.retrying")!.tone).toBe("retrying");
    expect(byId.get("order-saga.compensating.reserve.running")!.tone).toBe("compensating");
    expect(byId.get("order-saga.completed")!.tone).toBe("success");
    expect(byId.get("order-saga.compensation_failed")!.tone).toBe("failure");
    expect(layout.truncated).toBe(0);
  });

  it("draws a transition leaving a compound state from that state, unless exactEdges is asked for", async () => {
    const edges = (layout: Awaited<ReturnType<typeof layoutMachine>>) =>
      layout.transitions.map((transition) => `${transition.source} -> ${transition.target}`);
    const lifted = edges(await layoutMachine(saga.toJSON()));
    expect(lifted).toContain("order-saga.steps -> order-saga.compensating");
    expect(lifted).toContain("order-saga.steps.reserve -> order-saga.steps.charge");
    expect(lifted).toContain("order-saga.steps.charge.running -> order-saga.steps.charge.retrying");
    const exact = edges(await layoutMachine(saga.toJSON(), { exactEdges: true }));
    expect(exact).toContain("order-saga.steps.charge.running -> order-saga.compensating");
    expect(exact).toContain("order-saga.steps.reserve.running -> order-saga.steps.charge");
  });

  it("draws a parallel group's branches side by side, left to right in definition order, each a column", async () => {
    // Not alphabetical, and with the widest branch in the middle: elk packing them freely reorders them.
    const names = ["zeta-first", "a-second-and-much-longer", "m-third"];
    const fanOut = create("fan").parallel(
      "group",
      names.map((name) => ({ name, fn: () => name })),
    );
    const layout = await layoutMachine(fanOut.toJSON());
    const boxes = names.map((name) => layout.states.find((state) => state.id === `fan.steps.group.${name}`)!);
    expect(boxes.map((box) => box.x)).toEqual([...boxes.map((box) => box.x)].sort((a, b) => a - b));
    expect(new Set(boxes.map((box) => box.y)).size).toBe(1);
    for (const box of boxes) expect(box.height).toBeGreaterThan(box.width);
    // Inside a branch, one state per row: running, retrying, then its outcomes.
    const rows = ["running", "retrying", "done", "cancelled", "failed"].map(
      (leaf) => layout.states.find((state) => state.id === `fan.steps.group.m-third.${leaf}`)!.y,
    );
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows[0]).toBeLessThan(rows[1]!);
  });

  it("makes a box wide enough for a long step name, in the steps and in the compensating branch, not taller", async () => {
    const long = "reserve-inventory-in-the-main-warehouse-for-the-order";
    const flow = create("long-names")
      .step(long, () => 1, { compensate: () => {} })
      .step("b", () => 2, { compensate: () => {} })
      .parallel("a-group-whose-name-is-wider-than-its-two-branches", [
        { name: "x", fn: () => 3 },
        { name: "y", fn: () => 4 },
      ]);
    const layout = await layoutMachine(flow.toJSON());
    const box = (id: string) => layout.states.find((state) => state.id === `long-names.${id}`)!;
    const title = (key: string) => key.length * CHAR_WIDTH;
    for (const branch of ["steps", "compensating"]) {
      expect(box(`${branch}.${long}`).width, branch).toBeGreaterThan(title(long));
      expect(box(`${branch}.${long}`).height, branch).toBe(box(`${branch}.b`).height);
    }
    const group = box("steps.a-group-whose-name-is-wider-than-its-two-branches");
    expect(group.width).toBeGreaterThan(title(group.key));
    expect(group.height).toBeLessThan(group.width);
  });

  it("reads a definition cut short by a reporter's depth limit and counts the transitions it could not read", async () => {
    const layout = await layoutMachine(
      JSON.stringify({ id: "cut", initial: "a", states: { a: { on: { GO: "b", DEEP: "[Object]" } }, b: { always: "[Array]" } } }),
    );
    expect(layout.states.map((state) => state.id)).toEqual(["cut", "cut.a", "cut.b"]);
    expect(layout.transitions.map((transition) => transition.label)).toEqual(["GO"]);
    expect(layout.truncated).toBe(2);
  });
});

describe("activeStateIds", () => {
  it("lists every active state, ancestors and parallel regions included", () => {
    expect(activeStateIds("order-saga", { steps: { notify: { email: "done", sms: "retrying" } } })).toEqual([
      "order-saga",
      "order-saga.steps",
      "order-saga.steps.notify",
      "order-saga.steps.notify.email",
      "order-saga.steps.notify.email.done",
      "order-saga.steps.notify.sms",
      "order-saga.steps.notify.sms.retrying",
    ]);
    expect(activeStateIds("order-saga", "completed")).toEqual(["order-saga", "order-saga.completed"]);
  });
});

describe("renderSvg", () => {
  it("renders a standalone SVG with every state named, the innermost active states filled and text escaped", async () => {
    const layout = await layoutMachine(saga.toJSON());
    const svg = renderSvg(layout, activeStateIds("order-saga", { steps: { charge: "retrying" } }));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain("<style>");
    for (const name of ["reserve", "charge", "notify", "email", "sms", "compensating", "completed"]) {
      expect(svg).toContain(`>${name}</text>`);
    }
    expect(svg).toContain("&#60;ship &#38; track&#62;");
    expect(svg).not.toContain("<ship");
    expect(svg).toMatch(/class="ox-state ox-atomic ox-tone-retrying ox-active ox-current" data-state="order-saga\.steps\.charge\.retrying"/);
    expect(svg).toMatch(/class="ox-state ox-compound ox-tone-normal ox-active" data-state="order-saga\.steps\.charge"/);
    expect(svg.match(/ox-current/g)?.length).toBe(1 + (svg.match(/\.ox-current/g)?.length ?? 0));
  });
});
