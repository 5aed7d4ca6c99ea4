import { beforeEach, describe, expect, it, vi } from "vitest";
import { memoryStore } from "orchestrix";
import { paymentFlow } from "../examples/payment-flow.js";
import { resetScenario, scenario } from "../examples/services.js";
import { startInspector } from "../src/inspector/index.js";
import { artifacts, inspectorPageForSuite, openRun } from "./support/browser.js";

const order = { orderId: "ORD-123", items: [{ sku: "LAPTOP-01", qty: 1 }], amount: 1200, userId: "user_99" };
const steps = ["reserve-stock", "process-payment", "confirm-order", "send-email"];

const ui = inspectorPageForSuite();

beforeEach(() => resetScenario());

const open = (runId: string) => openRun(ui.page, runId);

/** The innermost highlighted states in the graph, relative to the machine. */
function highlighted(): Promise<string[]> {
  return ui.page.$$eval("#graph .ox-current", (nodes) =>
    nodes.map((node) => (node.getAttribute("data-state") ?? "").replace(/^payment-saga\./, "")),
  );
}

/** Goes through the run's snapshots from the first with the ◀ ▶ controls, collecting the highlight at each. */
async function highlightHistory(): Promise<string[]> {
  const count = Number(await ui.page.locator("#scrub").getAttribute("max")) + 1;
  for (let i = 0; i < count; i++) await ui.page.locator("#prev").click();
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    await expect.poll(() => ui.page.locator("#scrub").inputValue()).toBe(String(i));
    seen.push((await highlighted()).join(" + "));
    if (i < count - 1) await ui.page.locator("#next").click();
  }
  return seen;
}

async function statusOf(runId: string): Promise<string | null> {
  return ui.page.locator(`.run-item[data-name="${runId}"]`).getAttribute("data-status");
}

describe("the inspector ui.page, with the payment saga reporting to it", () => {
  it("shows a completed run: every step in the graph, the highlight moving through the steps to completed", async () => {
    const result = await paymentFlow.run(order, { runId: "pay-ok", inspect: ui.reporter.inspect });
    expect(result.status).toBe("completed");
    await expect.poll(() => statusOf("pay-ok")).toBe("completed");
    await open("pay-ok");

    const labels = await ui.page.$$eval("#graph svg text", (nodes) => nodes.map((node) => node.textContent));
    for (const name of [...steps, "steps", "compensating", "completed", "failed"]) expect(labels).toContain(name);
    expect(await highlighted()).toEqual(["completed"]);
    await expect.poll(() => ui.page.locator("#graph .ox-current.ox-tone-success").count()).toBe(1);

    expect(await highlightHistory()).toEqual([
      "steps.reserve-stock.running",
      "steps.process-payment.running",
      "steps.confirm-order.running",
      "steps.send-email.running",
      "completed",
    ]);
    await ui.page.locator("#live").click();
    await expect.poll(() => ui.page.locator('.tl-row[data-kind="step"]').count()).toBe(4);
    expect(await ui.page.locator(".tl-row .badge.b-completed").count()).toBe(4);
    await expect.poll(() => ui.page.locator("#context").textContent()).toContain("LAPTOP-01");
    await ui.page.screenshot({ path: new URL("inspector-completed.png", artifacts).pathname });
  });

  it("shows a declined card: the highlight goes into the compensating branch, then to failed", async () => {
    scenario.declineCards = true;
    const result = await paymentFlow.run(order, { runId: "pay-declined", inspect: ui.reporter.inspect });
    expect(result.status).toBe("failed");
    await expect.poll(() => statusOf("pay-declined")).toBe("failed");
    await open("pay-declined");

    const history = await highlightHistory();
    expect(history).toEqual([
      "steps.reserve-stock.running",
      "steps.process-payment.running",
      "compensating.reserve-stock.running",
      "failed",
    ]);
    // Back on the compensating snapshot: the compensating region is the active one, drawn in its own colour.
    await ui.page.locator("#prev").click();
    await expect.poll(highlighted).toEqual(["compensating.reserve-stock.running"]);
    expect(await ui.page.locator('#graph [data-state="payment-saga.compensating"].ox-active.ox-tone-compensating').count()).toBe(1);
    await expect.poll(() => ui.page.locator('.tl-row[data-step="process-payment"]').textContent()).toContain("card of user_99 declined");
    await ui.page.screenshot({ path: new URL("inspector-compensating.png", artifacts).pathname });

    await ui.page.locator("#live").click();
    await expect.poll(highlighted).toEqual(["failed"]);
    expect(await ui.page.locator('.tl-row[data-kind="compensation"][data-step="reserve-stock"] .b-completed').count()).toBe(1);
    await ui.page.screenshot({ path: new URL("inspector-failed.png", artifacts).pathname });
  });

  it("follows a run live while the gateway fails three times: amber retry waits, then 4 attempts on the timeline", async () => {
    scenario.transientPaymentFailures = 3;
    // The seed's retry policy: 2 s, 4 s, 8 s between attempts. Those 14 s pass on a fake clock
    // (`setTimeout` and `Date` only), which also moves with real time, so the page, the sockets and
    // Chromium keep running as they would; once the page has shown the first wait, the clock is
    // moved on 25 ms at a time until the run ends, and each wait is still measured from the clock
    // the engine reads.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], shouldAdvanceTime: true });
    try {
      await followRetriedRun();
    } finally {
      vi.useRealTimers();
    }
  }, 40_000);

  /** The body of the test above, on the fake clock. */
  async function followRetriedRun(): Promise<void> {
    const running = paymentFlow.run(order, { runId: "pay-retried", inspect: ui.reporter.inspect });
    let ended = false;
    void running.finally(() => (ended = true));
    await ui.page.locator('.run-item[data-name="pay-retried"]').waitFor();
    await open("pay-retried");

    const seen: string[] = [];
    const watch = setInterval(() => {
      highlighted().then(
        (ids) => {
          const current = ids.join(" + ");
          if (current && seen.at(-1) !== current) seen.push(current);
        },
        () => {},
      );
    }, 50);
    try {
      await expect.poll(highlighted, { timeout: 5000 }).toEqual(["steps.process-payment.retrying"]);
      expect(await ui.page.locator("#graph .ox-current.ox-tone-retrying").count()).toBe(1);
      await expect.poll(() => ui.page.locator(".tl-wait.pending").count()).toBe(1);
      await ui.page.screenshot({ path: new URL("inspector-retrying.png", artifacts).pathname });

      while (!ended) await vi.advanceTimersByTimeAsync(25);
      const result = await running;
      expect(result.status).toBe("completed");
      await expect.poll(() => seen.at(-1), { timeout: 5000 }).toBe("completed");
    } finally {
      clearInterval(watch);
    }
    // Seen live: waiting to retry, then completed (the 1 ms attempts in between are too quick to catch on screen)…
    expect(seen[0]).toBe("steps.process-payment.retrying");
    // …and every step of the way is in the run's history.
    expect(await highlightHistory()).toEqual([
      "steps.reserve-stock.running",
      ...Array.from({ length: 3 }, () => ["steps.process-payment.running", "steps.process-payment.retrying"]).flat(),
      "steps.process-payment.running",
      "steps.confirm-order.running",
      "steps.send-email.running",
      "completed",
    ]);
    await ui.page.locator("#live").click();

    const payment = ui.page.locator('.tl-row[data-step="process-payment"]');
    await expect.poll(() => payment.getAttribute("data-attempts")).toBe("4");
    expect(await payment.locator(".tl-attempts").textContent()).toBe("4 attempts");
    expect(await payment.locator(".tl-attempt").count()).toBe(4);
    expect(await payment.locator(".tl-attempt.err").count()).toBe(3);
    expect(await payment.locator(".tl-wait").count()).toBe(3);
    expect(await payment.locator(".tl-notes").textContent()).toContain("payment gateway timed out (ETIMEDOUT)");
    expect(await payment.locator(".tl-notes").textContent()).toMatch(/waited 2\.\d\d\ss[\s\S]*waited 4\.\d\d\ss[\s\S]*waited 8\.\d\d\ss/);
    await ui.page.screenshot({ path: new URL("inspector-retried.png", artifacts).pathname });
  }

  it("shows the counters of the bounded buffers in the header", async () => {
    await expect.poll(() => ui.page.locator("#stat-dropped").textContent()).toBe("0 older events dropped");
    expect(await ui.page.locator("#stat-evicted").textContent()).toBe("0 old runs evicted");
    expect(Number((await ui.page.locator("#stat-received b").textContent())?.replace(/\D/g, ""))).toBeGreaterThan(50);
  });

  it("shows the store's runs next to the live ones, drawn from the flow's definition", async () => {
    const store = memoryStore();
    scenario.declineCards = true;
    expect((await paymentFlow.run(order, { runId: "stored-declined", store })).status).toBe("failed");
    const withStore = await startInspector({ port: 0, store, flows: [paymentFlow] });
    try {
      await ui.page.goto(withStore.url);
      await ui.page.locator('.run-item[data-name="stored-declined"]').waitFor();
      expect(await ui.page.locator(".group-title", { hasText: "Stored" }).textContent()).toContain("1");
      await open("stored-declined");
      expect(await ui.page.locator("#run-times").textContent()).toContain("from the store");
      await expect.poll(highlighted).toEqual(["failed"]);
      await expect.poll(() => ui.page.locator('.tl-row[data-step="process-payment"]').textContent()).toContain("declined");
      // The flow's own definition is complete: no transition is missing from the drawing.
      expect(await ui.page.locator("#graph-note").isHidden()).toBe(true);
      await ui.page.screenshot({ path: new URL("inspector-stored.png", artifacts).pathname });
    } finally {
      await withStore.close();
    }
  });
});
