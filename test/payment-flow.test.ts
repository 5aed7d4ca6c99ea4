import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { paymentFlow, result as seedResult } from "../examples/payment-flow.js";
import { ledger, orders, reservations, resetScenario, scenario } from "../examples/services.js";

const order = {
  orderId: "ORD-123",
  items: [{ sku: "LAPTOP-01", qty: 1 }],
  amount: 1200,
  userId: "user_99",
};

beforeEach(() => {
  resetScenario();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the seed page's payment saga", () => {
  it("ran unchanged at import and completed", () => {
    expect(seedResult.status).toBe("completed");
  });

  it("succeeds: stock reserved, card charged once, order paid, customer emailed", async () => {
    const result = await paymentFlow.run(order);
    expect(result.status).toBe("completed");
    expect(ledger).toEqual([
      "reserve 1xLAPTOP-01 -> " + [...reservations.keys()][0],
      expect.stringMatching(/^charge 1200 to user_99 -> txn_\d+$/),
      "order ORD-123 paid",
      "email user_99: Order Confirmed!",
    ]);
    expect(orders.get("ORD-123")).toMatchObject({ status: "paid", transactionId: result.data["transactionId"] });
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["reserve-stock", "completed", 1],
      ["process-payment", "completed", 1],
      ["confirm-order", "completed", 1],
      ["send-email", "completed", 1],
    ]);
  });

  it("retries the payment 3 times after 2 s, 4 s and 8 s, then fails and releases the stock", async () => {
    vi.useFakeTimers();
    scenario.transientPaymentFailures = 100;
    const start = Date.now();
    const chargeAttemptsAt: number[] = [];
    const pending = paymentFlow.run(order, {
      inspect: (event) => {
        if (event.type === "@xstate.actor" && (event.actorRef as { id?: string }).id === "process-payment") chargeAttemptsAt.push(Date.now() - start);
      },
    });
    await vi.advanceTimersByTimeAsync(20_000);
    const result = await pending;

    // Each attempt starts 1 ms after the previous one failed (the fake gateway takes 1 ms to answer).
    expect(chargeAttemptsAt.map((t) => Math.round(t / 1000))).toEqual([0, 2, 6, 14]);
    expect(chargeAttemptsAt[1]! - chargeAttemptsAt[0]!).toBeGreaterThanOrEqual(2_000);
    expect(chargeAttemptsAt[2]! - chargeAttemptsAt[1]!).toBeGreaterThanOrEqual(4_000);
    expect(chargeAttemptsAt[3]! - chargeAttemptsAt[2]!).toBeGreaterThanOrEqual(8_000);
    expect(result.status).toBe("failed");
    expect(result.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["reserve-stock", "compensated", 1],
      ["process-payment", "failed", 4],
      ["confirm-order", "skipped", 0],
      ["send-email", "skipped", 0],
    ]);
    expect(reservations.size).toBe(0);
    expect(ledger.filter((line) => line.startsWith("release"))).toHaveLength(1);
  });

  it("fails at once on a declined card (NonRetryableError) and releases the stock", async () => {
    scenario.declineCards = true;
    const result = await paymentFlow.run(order);
    expect(result.status).toBe("failed");
    expect(result.steps[1]).toMatchObject({ name: "process-payment", status: "failed", attempts: 1 });
    expect(reservations.size).toBe(0);
  });

  it("retries the email up to 5 times", async () => {
    scenario.emailFailures = 5;
    const result = await paymentFlow.run(order);
    expect(result.status).toBe("completed");
    expect(result.steps[3]).toMatchObject({ name: "send-email", attempts: 6 });
  });

  it("ends compensation_failed when the stock cannot be released", async () => {
    vi.useFakeTimers();
    scenario.declineCards = true;
    scenario.failRelease = true;
    const pending = paymentFlow.run(order);
    await vi.advanceTimersByTimeAsync(5_000);
    const result = await pending;
    expect(result.status).toBe("compensation_failed");
    if (result.status === "completed") throw new Error("unreachable");
    expect(result.compensationErrors?.map((e) => [e.step, (e.error as Error).message])).toEqual([
      ["reserve-stock", "inventory service unavailable"],
    ]);
    expect(reservations.size).toBe(1);
  });
});
