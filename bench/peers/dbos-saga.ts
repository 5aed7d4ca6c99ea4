/**
 * The 4-step payment workflow of the worker benchmark, written for DBOS Transact: the same four
 * no-op steps as `bench/worker-saga.ts`, each a checkpointed `DBOS.runStep`, so every step's
 * output and the workflow's status are durable in PostgreSQL.
 */
import { DBOS } from "@dbos-inc/dbos-sdk";

/** The workflow's input, as the Orchestrix saga's. */
export interface Order {
  /** The order (and workflow) id. */
  orderId: string;
}

/** Reserves stock, takes the payment, confirms the order and sends the email: four durable steps that do nothing. */
async function paymentWorkflow(order: Order): Promise<{ reservation: string; charge: string }> {
  const reservation = await DBOS.runStep(async () => `r-${order.orderId}`, { name: "reserve-stock" });
  const charge = await DBOS.runStep(async () => `c-${order.orderId}`, { name: "process-payment" });
  await DBOS.runStep(async () => true, { name: "confirm-order" });
  await DBOS.runStep(async () => true, { name: "send-email" });
  return { reservation, charge };
}

/** The registered workflow: call it inside `DBOS.startWorkflow` to run it durably. */
export const dbosPaymentWorkflow = DBOS.registerWorkflow(paymentWorkflow, { name: "bench-saga" });
