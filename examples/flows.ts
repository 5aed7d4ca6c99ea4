/**
 * The example flows as a module with no side effects: importing it defines flows and runs nothing,
 * so the CLI, the inspector and other modules can load it.
 *   npm run orchestrix -- run examples/flows.ts --input @examples/order.json
 * The payment saga here is the seed page's (examples/payment-flow.ts, which runs an order when it
 * is imported) written with typed outputs and `ctx.idempotencyKey`; its machine is the same.
 */
import { create } from "orchestrix";
import { z } from "zod";
import { db, emailService, inventoryService, paymentGateway } from "./services.js";

/** Input of {@link paymentFlow}. */
export const PaymentSchema = z.object({
  orderId: z.string(),
  items: z.array(z.object({ sku: z.string(), qty: z.number() })),
  amount: z.number(),
  userId: z.string(),
});

/** Reserve stock, charge the card, confirm the order, email the customer; the stock is released when a later step fails. */
export const paymentFlow = create<z.infer<typeof PaymentSchema>>("payment-saga", { schema: PaymentSchema })
  .step("reserve-stock", async (ctx) => ({ reservationIds: await inventoryService.reserve(ctx.input.items) }), {
    compensate: (ctx) => inventoryService.release(ctx.outputs["reserve-stock"].reservationIds),
  })
  .step(
    "process-payment",
    async (ctx) => ({
      transactionId: await paymentGateway.charge({ amount: ctx.input.amount, userId: ctx.input.userId, idempotencyKey: ctx.idempotencyKey }),
    }),
    { retries: 3, retryDelayMs: 2000, backoffFactor: "exponential" },
  )
  .step("confirm-order", (ctx) =>
    db.orders.update(ctx.input.orderId, { status: "paid", transactionId: ctx.outputs["process-payment"].transactionId }),
  )
  .step("send-email", (ctx) => emailService.send(ctx.input.userId, "Order Confirmed!"), { retries: 5 });
