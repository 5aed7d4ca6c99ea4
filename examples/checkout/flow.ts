/**
 * The checkout saga of the server and React examples: reserve stock, charge the card, confirm the
 * order, email the customer. Its services are injected, so the same flow runs on the example
 * server (services that keep their effects on disk) and in the browser (in memory).
 * `simulate` in the input makes the payment fail or every step slow: it is part of the run's
 * input, so a resumed run behaves as it was asked to.
 */
import { create } from "orchestrix";
import { z } from "zod";

/** What POST /orders takes, and what the browser mode starts a run with. */
export const CheckoutSchema = z.object({
  orderId: z.string().min(1).max(100).regex(/^[\w-]+$/, "letters, digits, _ and - only"),
  userId: z.string().min(1),
  items: z.array(z.object({ sku: z.string().min(1), qty: z.number().int().positive() })).min(1),
  amount: z.number().positive(),
  simulate: z
    .object({
      /** Every charge fails with a transient error: the payment is retried, then the stock released. */
      failPayment: z.boolean().optional(),
      /** Each step takes this long (ms). */
      slowMs: z.number().int().min(0).max(10_000).optional(),
    })
    .optional(),
});

/** A checkout order. */
export type CheckoutInput = z.infer<typeof CheckoutSchema>;

/** The services the saga calls. Each takes the step's idempotency key, so a repeated call has no second effect. */
export interface CheckoutServices {
  reserve(items: CheckoutInput["items"], idempotencyKey: string): Promise<string[]>;
  release(reservationIds: string[]): Promise<void>;
  charge(request: { amount: number; userId: string; idempotencyKey: string; fail: boolean }): Promise<string>;
  confirm(orderId: string, transactionId: string): Promise<void>;
  email(userId: string, message: string): Promise<void>;
}

/** How many times the payment is tried before the order fails. */
export const PAYMENT_ATTEMPTS = 3;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });
}

/** The checkout saga over the given services. */
export function createCheckoutFlow(services: CheckoutServices) {
  return create<CheckoutInput>("checkout", { schema: CheckoutSchema })
    .step(
      "reserve-stock",
      async (ctx) => {
        await pause(ctx.input.simulate?.slowMs ?? 0, ctx.signal);
        return { reservationIds: await services.reserve(ctx.input.items, ctx.idempotencyKey) };
      },
      { compensate: (ctx) => services.release(ctx.outputs["reserve-stock"].reservationIds) },
    )
    .step(
      "process-payment",
      async (ctx) => {
        const slow = ctx.input.simulate?.slowMs ?? 0;
        await pause(slow / 2, ctx.signal);
        const { amount, userId } = ctx.input;
        const transactionId = await services.charge({ amount, userId, idempotencyKey: ctx.idempotencyKey, fail: ctx.input.simulate?.failPayment ?? false });
        await pause(slow / 2, ctx.signal);
        return { transactionId };
      },
      { retries: PAYMENT_ATTEMPTS - 1, retryDelayMs: 400, backoffFactor: "fixed" },
    )
    .step("confirm-order", async (ctx) => {
      await pause(ctx.input.simulate?.slowMs ?? 0, ctx.signal);
      await services.confirm(ctx.input.orderId, ctx.outputs["process-payment"].transactionId);
    })
    .step(
      "send-email",
      async (ctx) => {
        await pause(ctx.input.simulate?.slowMs ?? 0, ctx.signal);
        await services.email(ctx.input.userId, `Order ${ctx.input.orderId} confirmed`);
      },
      { retries: 2 },
    );
}

/** Services that keep everything in memory (the browser mode), with a log of their effects. */
export function memoryCheckoutServices(log: (line: string) => void = () => {}): CheckoutServices {
  const reservations = new Map<string, string[]>();
  const charges = new Map<string, string>();
  let sequence = 0;
  return {
    async reserve(items, key) {
      const known = reservations.get(key);
      if (known) return known;
      const ids = items.map((item) => `res_${++sequence}_${item.sku}`);
      reservations.set(key, ids);
      log(`reserved ${ids.join(", ")}`);
      return ids;
    },
    async release(ids) {
      log(`released ${ids.join(", ")}`);
    },
    async charge({ amount, idempotencyKey, fail }) {
      if (fail) throw new Error("payment gateway timed out (ETIMEDOUT)");
      let transactionId = charges.get(idempotencyKey);
      if (!transactionId) {
        charges.set(idempotencyKey, (transactionId = `txn_${++sequence}`));
        log(`charged ${amount} -> ${transactionId}`);
      }
      return transactionId;
    },
    async confirm(orderId, transactionId) {
      log(`order ${orderId} paid with ${transactionId}`);
    },
    async email(userId, message) {
      log(`email to ${userId}: ${message}`);
    },
  };
}
