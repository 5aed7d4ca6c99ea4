/** The 4-step saga of the worker benchmark: four quick steps, no waits, so the time measured is Orchestrix's and PostgreSQL's. */
import { create } from "orchestrix";

export const benchSaga = create<{ orderId: string }>("bench-saga")
  .step("reserve-stock", (ctx) => ({ reservation: `r-${ctx.input.orderId}` }))
  .step("process-payment", (ctx) => ({ charge: `c-${ctx.input.orderId}` }))
  .step("confirm-order", () => true)
  .step("send-email", () => true);
