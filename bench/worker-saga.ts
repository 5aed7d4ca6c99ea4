/** The 4-step saga of the worker benchmark: four quick steps, no waits, so the time measured is Orchestrix's and PostgreSQL's. */
import { create } from "orchestrix";

/** The benchmark's 4-step payment saga. */
export const benchSaga = create<{ orderId: string }>("bench-saga")
  .step("reserve-stock", (ctx) => ({ reservation: `r-${ctx.input.orderId}` }))
  .step("process-payment", (ctx) => ({ charge: `c-${ctx.input.orderId}` }))
  .step("confirm-order", () => true)
  .step("send-email", () => true);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The same saga with 250 ms steps, for the takeover measurement: a worker killed at any moment holds runs mid-step. */
export const slowBenchSaga = create<{ orderId: string }>("bench-slow-saga")
  .step("reserve-stock", async (ctx) => (await pause(250), { reservation: `r-${ctx.input.orderId}` }))
  .step("process-payment", async (ctx) => (await pause(250), { charge: `c-${ctx.input.orderId}` }))
  .step("confirm-order", () => pause(250).then(() => true))
  .step("send-email", () => pause(250).then(() => true));
