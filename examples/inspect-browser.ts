/**
 * In a browser app: `createBrowserInspector()` opens Stately's inspector in a new tab and every
 * run's machine, state and events appear there. Bundle this module into a page (it needs
 * `window`); it does not run under Node.
 */
import { createBrowserInspector } from "@statelyai/inspect";
import { create } from "orchestrix";

const { inspect } = createBrowserInspector();

const checkout = create<{ cartId: string }>("checkout")
  .step("reserve", async (ctx) => ({ reservation: `res-${ctx.input.cartId}` }), { compensate: async () => {} })
  .step("charge", async () => ({ transactionId: "txn-1" }), { retries: 2, retryDelayMs: 500 });

/** Runs the checkout with the browser inspector attached. */
export function runCheckout(cartId: string) {
  return checkout.run({ cartId }, { inspect });
}
