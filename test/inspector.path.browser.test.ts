/**
 * The inspector page in a real browser (Debian's chromium): the path a run took drawn on its graph,
 * a parallel group reported through the default createWebSocketInspector, and "fit".
 * Screenshots land in test/artifacts/.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { create, memoryStore } from "orchestrix";
import { paymentFlow } from "../examples/payment-flow.js";
import { resetScenario, scenario } from "../examples/services.js";
import { layoutMachine, startInspector } from "../src/inspector/index.js";
import { artifacts, inspectorPageForSuite, openRun } from "./support/browser.js";

const order = { orderId: "ORD-123", items: [{ sku: "LAPTOP-01", qty: 1 }], amount: 1200, userId: "user_99" };

const ui = inspectorPageForSuite();

beforeEach(() => resetScenario());

const open = (runId: string) => openRun(ui.page, runId);

/** The mark and the fill colour of a state's box in the ui.page. */
async function drawn(id: string): Promise<{ mark: string | null; fill: string; current: boolean }> {
  return ui.page.locator(`#graph [data-state="${id}"]`).evaluate((node) => {
    const mark = Array.from(node.classList as unknown as ArrayLike<string>).find((name) => name.startsWith("ox-mark-"))?.slice("ox-mark-".length) ?? null;
    const frame = node.querySelector("rect.ox-frame")!;
    return { mark, fill: getComputedStyle(frame).fill, current: node.classList.contains("ox-current") };
  });
}

const GREEN = "rgb(211, 240, 222)";
const RED = "rgb(248, 208, 208)";
const VIOLET = "rgb(230, 220, 250)";
const UNDO_FAILED = "rgb(243, 196, 208)";
const GREY = "rgb(236, 238, 241)";

describe("the path a run took, on its graph", () => {
  it("a completed run: every step green, completed outlined as the current state", async () => {
    await paymentFlow.run(order, { runId: "path-ok", inspect: ui.reporter.inspect });
    await expect.poll(() => ui.page.locator('.run-item[data-name="path-ok"]').getAttribute("data-status")).toBe("completed");
    await open("path-ok");
    for (const step of ["reserve-stock", "process-payment", "confirm-order", "send-email"]) {
      await expect.poll(() => drawn(`payment-saga.steps.${step}`)).toMatchObject({ mark: "completed", fill: GREEN });
    }
    expect(await drawn("payment-saga.completed")).toMatchObject({ current: true });
    await ui.page.screenshot({ path: new URL("path-completed.png", artifacts).pathname });
  });

  it("a declined card: the failed step red, the undone step violet, the steps never reached grey", async () => {
    scenario.declineCards = true;
    await paymentFlow.run(order, { runId: "path-declined", inspect: ui.reporter.inspect });
    await expect.poll(() => ui.page.locator('.run-item[data-name="path-declined"]').getAttribute("data-status")).toBe("failed");
    await open("path-declined");
    await expect.poll(() => drawn("payment-saga.steps.process-payment")).toMatchObject({ mark: "failed", fill: RED });
    expect(await drawn("payment-saga.steps.reserve-stock")).toMatchObject({ mark: "compensated", fill: VIOLET });
    expect(await drawn("payment-saga.compensating.reserve-stock")).toMatchObject({ mark: "compensated", fill: VIOLET });
    expect(await drawn("payment-saga.steps.confirm-order")).toMatchObject({ mark: "skipped", fill: GREY });
    expect(await drawn("payment-saga.steps.send-email")).toMatchObject({ mark: "skipped", fill: GREY });
    expect(await drawn("payment-saga.failed")).toMatchObject({ current: true });
    // The timeline says the same of the steps never reached.
    expect(await ui.page.locator('#timeline .tl-row[data-step="confirm-order"] .badge').textContent()).toBe("skipped");
    // The list says the status once.
    expect(await ui.page.locator('.run-item[data-name="path-declined"] .rsub').textContent()).toBe("payment-saga · failed");
    await ui.page.screenshot({ path: new URL("path-declined.png", artifacts).pathname });

    // Back at the first snapshot, only what had happened by then is marked.
    const count = Number(await ui.page.locator("#scrub").getAttribute("max")) + 1;
    for (let i = 0; i < count; i++) await ui.page.locator("#prev").click();
    await expect.poll(() => drawn("payment-saga.steps.process-payment")).toMatchObject({ mark: null });
    await ui.page.locator("#live").click();
  });

  it("an undo that failed: its step and undo marked apart from undone ones, the run ending in compensation_failed", async () => {
    Object.assign(scenario, { declineCards: true, failRelease: true });
    await paymentFlow.run(order, { runId: "path-undo-failed", inspect: ui.reporter.inspect });
    await expect
      .poll(() => ui.page.locator('.run-item[data-name="path-undo-failed"]').getAttribute("data-status"), { timeout: 10_000 })
      .toBe("compensation_failed");
    await open("path-undo-failed");
    await expect.poll(() => drawn("payment-saga.compensating.reserve-stock")).toMatchObject({ mark: "compensation_failed", fill: UNDO_FAILED });
    expect(await drawn("payment-saga.steps.reserve-stock")).toMatchObject({ mark: "compensation_failed", fill: UNDO_FAILED });
    expect(await drawn("payment-saga.steps.process-payment")).toMatchObject({ mark: "failed", fill: RED });
    expect(await drawn("payment-saga.compensation_failed")).toMatchObject({ current: true });
    // The error is text, its stack as lines, not a JSON string with \n in it.
    const error = await ui.page.locator("#context .err-text").first().textContent();
    expect(error).toMatch(/^NonRetryableError: card of user_99 declined/);
    expect(error).not.toContain("\\n");
    await ui.page.screenshot({ path: new URL("path-undo-failed.png", artifacts).pathname });
  }, 20_000);
});

/** A flow with a parallel group of 3 branches, named so that alphabetical order is not definition order. */
const fanOut = create<{ id: string }>("fan-out")
  .step("reserve", () => "r-1", { compensate: () => {} })
  .parallel("notify", [
    { name: "send-email-confirmation", fn: () => "mail" },
    { name: "send-sms", fn: () => "sms", options: { compensate: () => {} } },
    { name: "post-to-webhook", fn: () => "hook" },
  ])
  .step("finish", () => "done");

describe("a run that waits", () => {
  it("draws its wait in its own colour, says until when it waits, and lists the signals it received", async () => {
    const flow = create<{ orderId: string }>("approval")
      .step("reserve", () => "r1", { compensate: () => undefined })
      .waitFor("approved", { timeoutMs: 60_000 })
      .waitFor("paid")
      .step("ship", () => "s1");
    const handle = flow.start({ orderId: "A-1" }, { runId: "waiting-run", inspect: ui.reporter.inspect });
    // A signal for a wait not reached yet is kept until the run gets there.
    await handle.signal("paid", { chargeId: "ch_1" }, { signalId: "evt-paid" });
    await open("waiting-run");
    await expect.poll(() => drawn("approval.steps.approved")).toMatchObject({ mark: "waiting", fill: "rgb(191, 232, 238)" });
    expect(await drawn("approval.steps.approved.waiting")).toMatchObject({ current: true });
    expect(await drawn("approval.steps.reserve")).toMatchObject({ mark: "completed" });
    const row = ui.page.locator('#timeline .tl-row[data-step="approved"]');
    expect(await row.locator(".badge").textContent()).toBe("waiting");
    expect(await row.locator(".tl-pause").textContent()).toMatch(/^waiting for its signal until \d\d:\d\d:\d\d\.\d{3}$/);
    await expect.poll(() => ui.page.locator('#timeline .tl-signal[data-signal="evt-paid"]').textContent()).toMatch(/^paid · evt-paid at .* · kept until the run reaches its wait$/);
    await ui.page.screenshot({ path: new URL("path-waiting.png", artifacts).pathname });

    await handle.signal("approved", { by: "ops" }, { signalId: "evt-ok" });
    expect((await handle.result).status).toBe("completed");
    await expect.poll(() => drawn("approval.steps.paid")).toMatchObject({ mark: "completed", fill: GREEN });
    expect(await ui.page.locator('#timeline .tl-row[data-step="paid"] .tl-pause').textContent()).toBe("took signal evt-paid");
    await expect.poll(() => ui.page.locator('#timeline .tl-signal[data-signal="evt-ok"]').textContent()).toMatch(/taken by its wait$/);
  });
});

describe("a parallel group reported through the default createWebSocketInspector", () => {

  it("draws every branch and every transition, the branches side by side", async () => {
    const result = await fanOut.run({ id: "1" }, { runId: "fan-1", inspect: ui.reporter.inspect });
    expect(result.status).toBe("completed");
    await expect.poll(() => ui.page.locator('.run-item[data-name="fan-1"]').getAttribute("data-status")).toBe("completed");
    await open("fan-1");
    const complete = await layoutMachine(fanOut.toJSON());
    await expect.poll(() => ui.page.locator("#graph .ox-transition").count()).toBe(complete.transitions.length);
    expect(await ui.page.locator("#graph-note").isHidden()).toBe(true);
    const branches = ["send-email-confirmation", "send-sms", "post-to-webhook"];
    const boxes = [];
    for (const branch of branches) {
      const id = `fan-out.steps.notify.${branch}`;
      for (const leaf of ["running", "retrying", "done", "failed", "cancelled"]) {
        expect(await ui.page.locator(`#graph [data-state="${id}.${leaf}"]`).count(), `${id}.${leaf}`).toBe(1);
      }
      expect(await drawn(id)).toMatchObject({ mark: "completed" });
      boxes.push((await ui.page.locator(`#graph [data-state="${id}"] > rect`).boundingBox())!);
    }
    // The timeline lists the steps in definition order too (the branches started in the same millisecond).
    const rows = await ui.page.locator('#timeline .tl-row[data-kind="step"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-step")));
    expect(rows).toEqual(["reserve", ...branches, "finish"]);
    await ui.page.screenshot({ path: new URL("parallel-default-reporter.png", artifacts).pathname });
    // Side by side in definition order (not the reporter's alphabetical one): one row of columns, each taller than wide.
    expect(new Set(boxes.map((box) => Math.round(box.y))).size).toBe(1);
    expect(boxes.map((box) => box.x)).toEqual([...boxes.map((box) => box.x)].sort((a, b) => a - b));
    for (const box of boxes) expect(box.height).toBeGreaterThan(box.width);
  });
});

describe('"fit"', () => {
  it.each([
    ["the payment saga (tall)", "fit-1", () => paymentFlow.run(order, { runId: "fit-1", inspect: ui.reporter.inspect })],
    ["a parallel group (wide)", "fit-fan", () => fanOut.run({ id: "2" }, { runId: "fit-fan", inspect: ui.reporter.inspect })],
  ])("shows the whole graph of %s in a 1280×720 viewport", async (_, runId, start) => {
    await ui.page.setViewportSize({ width: 1280, height: 720 });
    await start();
    await expect.poll(() => ui.page.locator(`.run-item[data-name="${runId}"]`).getAttribute("data-status")).toBe("completed");
    await open(runId);
    await ui.page.locator("#zoom-in").click();
    await ui.page.locator("#zoom-fit").click();
    const svg = (await ui.page.locator("#graph svg").boundingBox())!;
    const panel = (await ui.page.locator("#graph").boundingBox())!;
    expect(svg.width).toBeLessThanOrEqual(panel.width);
    expect(svg.height).toBeLessThanOrEqual(panel.height);
    expect(svg.y + svg.height).toBeLessThanOrEqual(720);
    expect(svg.x + svg.width).toBeLessThanOrEqual(1280);
    // Every state is inside the viewport.
    const outside = await ui.page.$$eval("#graph [data-state] > rect.ox-frame", (rects) =>
      rects.filter((rect) => {
        const box = rect.getBoundingClientRect();
        return box.top < 0 || box.left < 0 || box.bottom > window.innerHeight || box.right > window.innerWidth;
      }).length,
    );
    expect(outside).toBe(0);
    await ui.page.screenshot({ path: new URL(`fit-1280x720-${runId}.png`, artifacts).pathname });
  });
});

/** A promise a test resolves when it wants a step to finish. */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe("the view follows the current state", () => {
  it("zoomed in on a long flow, keeps the running step in view as the run moves on", async () => {
    await ui.page.setViewportSize({ width: 1280, height: 720 });
    const gates = [gate(), gate()];
    let long = create<{ n: number }>("long-flow");
    for (let i = 1; i <= 12; i++) {
      const held = i === 6 ? gates[0]! : i === 10 ? gates[1]! : null;
      // Each step widens the builder's output type; this loop only needs the flow.
      long = long.step(`step-${i}`, () => held?.promise ?? i) as unknown as typeof long;
    }
    const running = long.run({ n: 1 }, { runId: "long-1", inspect: ui.reporter.inspect });
    await expect.poll(() => ui.page.locator('.run-item[data-name="long-1"]').count()).toBe(1);
    await open("long-1");
    for (let i = 0; i < 4; i++) await ui.page.locator("#zoom-in").click();
    /** Whether the state's box is wholly inside the graph panel's visible part. */
    const inView = (id: string) =>
      ui.page.evaluate((id) => {
        const box = document.querySelector(`#graph [data-state="${id}"] > rect.ox-frame`)!.getBoundingClientRect();
        const panel = document.getElementById("graph")!.getBoundingClientRect();
        return box.top >= panel.top && box.bottom <= panel.bottom && box.left >= panel.left && box.right <= panel.right;
      }, id);
    const overflows = () => ui.page.evaluate(() => document.getElementById("graph")!.scrollHeight > document.getElementById("graph")!.clientHeight * 2);
    expect(await overflows()).toBe(true);
    await expect.poll(() => ui.page.locator('#graph [data-state="long-flow.steps.step-6.running"]').getAttribute("class")).toContain("ox-current");
    await ui.page.locator("#zoom-in").click();
    expect(await inView("long-flow.steps.step-6.running")).toBe(true);
    gates[0]!.resolve();
    await expect.poll(() => ui.page.locator('#graph [data-state="long-flow.steps.step-10.running"]').getAttribute("class")).toContain("ox-current");
    await expect.poll(() => inView("long-flow.steps.step-10.running")).toBe(true);
    await ui.page.screenshot({ path: new URL("follow-current-zoomed.png", artifacts).pathname });
    gates[1]!.resolve();
    expect((await running).status).toBe("completed");
  });
});

describe("stored runs beyond the newest 200", () => {
  it("finds an old failed run by searching the store, and pages on with 'more stored runs'", async () => {
    const store = memoryStore();
    const flow = create<{ n: number }>("stocked").step("only", ({ input }) => {
      if (input.n === 3) throw new Error("no stock");
      return input.n;
    });
    for (let n = 0; n < 250; n++) await flow.run({ n }, { runId: `stock-${n}`, store });
    const withStore = await startInspector({ port: 0, store, flows: [flow] });
    try {
      await ui.page.goto(withStore.url);
      await ui.page.locator('.run-item[data-name="stock-249"]').waitFor();
      expect(await ui.page.locator('.run-item[data-name="stock-3"]').count()).toBe(0);
      await ui.page.locator("#filter").fill("status:failed");
      await ui.page.locator('.run-item[data-name="stock-3"]').waitFor();
      await open("stock-3");
      await expect.poll(() => drawn("stocked.steps.only")).toMatchObject({ mark: "failed" });
      await ui.page.locator("#filter").fill("");
      await ui.page.locator("#stored-more").click();
      await expect.poll(() => ui.page.locator('.run-item[data-name^="stock-"]').count()).toBe(250);
      await ui.page.screenshot({ path: new URL("stored-search.png", artifacts).pathname });
    } finally {
      await withStore.close();
    }
  }, 40_000);
});

describe("a stored run whose flow the inspector was not given", () => {
  it("says how to give it: the CLI's --module first, naming the flow", async () => {
    const store = memoryStore();
    await create<{ n: number }>("never-seen").step("only", () => 1).run({ n: 1 }, { runId: "unseen-1", store });
    const withStore = await startInspector({ port: 0, store });
    try {
      await ui.page.goto(withStore.url);
      await ui.page.locator('.run-item[data-name="unseen-1"]').click();
      await ui.page.locator("#run-name", { hasText: "unseen-1" }).waitFor();
      const note = ui.page.locator("#graph-note");
      await note.waitFor();
      expect(await note.textContent()).toMatch(/^No machine definition is known for flow "never-seen"\. .*\(orchestrix inspect --store … --module \.\/flows\.ts;/);
    } finally {
      await withStore.close();
    }
  });
});

describe("an inspector with a token", () => {
  it("serves a page that connects with the token and links the drawing with it", async () => {
    const store = memoryStore();
    await paymentFlow.run(order, { runId: "token-1", store });
    const guarded = await startInspector({ port: 0, store, flows: [paymentFlow], token: "s3cret" });
    try {
      await ui.page.goto(guarded.url);
      await ui.page.locator("#connection.conn-on").waitFor();
      await open("token-1");
      const link = await ui.page.locator("#svg-link").getAttribute("href");
      expect(link).toBe("/api/runs/store%3Atoken-1/graph.svg?token=s3cret");
      const svg = await ui.page.evaluate(async (href) => (await fetch(href)).status, link!);
      expect(svg).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
