/**
 * Small in-memory stand-ins for the services of the payment saga: an inventory, a payment
 * gateway, an orders table and a mailer. `scenario` tells them to fail; `ledger` records
 * every effect so tests and the demo can show what really happened.
 */
import { NonRetryableError } from "orchestrix";

/** An item line of an order. */
export interface Item {
  sku: string;
  qty: number;
}

/** How the services should misbehave; `resetScenario()` puts everything back to healthy. */
export const scenario = {
  /** The next N charges fail with a transient (retryable) network error. */
  transientPaymentFailures: 0,
  /** Every charge is declined (a non-retryable error). */
  declineCards: false,
  /** Every release of a reservation fails. */
  failRelease: false,
  /** The next N emails fail to send. */
  emailFailures: 0,
};

/** Everything the services did, in order. */
export const ledger: string[] = [];

/** Stock currently held by reservations, by reservation id. */
export const reservations = new Map<string, Item>();

/** Orders and their status. */
export const orders = new Map<string, { status: string; transactionId?: string }>();

const charges = new Map<string, string>();
let sequence = 0;

/** Puts the services back into a healthy, empty state. */
export function resetScenario(): void {
  Object.assign(scenario, { transientPaymentFailures: 0, declineCards: false, failRelease: false, emailFailures: 0 });
  ledger.length = 0;
  reservations.clear();
  orders.clear();
  charges.clear();
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** The inventory service: holds and releases stock. */
export const inventoryService = {
  async reserve(items: Item[]): Promise<string[]> {
    await tick();
    return items.map((item) => {
      const id = `res_${++sequence}`;
      reservations.set(id, item);
      ledger.push(`reserve ${item.qty}x${item.sku} -> ${id}`);
      return id;
    });
  },
  async release(ids: string[]): Promise<void> {
    await tick();
    if (scenario.failRelease) throw new Error("inventory service unavailable");
    for (const id of ids) {
      reservations.delete(id);
      ledger.push(`release ${id}`);
    }
  },
};

/** The payment gateway: charges once per idempotency key, like Stripe does. */
export const paymentGateway = {
  async charge(request: { amount: number; userId: string; idempotencyKey: string }): Promise<string> {
    await tick();
    if (scenario.declineCards) throw new NonRetryableError(`card of ${request.userId} declined`);
    if (scenario.transientPaymentFailures > 0) {
      scenario.transientPaymentFailures--;
      throw new Error("payment gateway timed out (ETIMEDOUT)");
    }
    const known = charges.get(request.idempotencyKey);
    if (known) return known;
    const transactionId = `txn_${++sequence}`;
    charges.set(request.idempotencyKey, transactionId);
    ledger.push(`charge ${request.amount} to ${request.userId} -> ${transactionId}`);
    return transactionId;
  },
};

/** The orders table. */
export const db = {
  orders: {
    async update(orderId: string, patch: { status: string; transactionId?: string }): Promise<void> {
      await tick();
      orders.set(orderId, { ...orders.get(orderId), ...patch });
      ledger.push(`order ${orderId} ${patch.status}`);
    },
  },
};

/** The mailer. */
export const emailService = {
  async send(userId: string, message: string): Promise<void> {
    await tick();
    if (scenario.emailFailures > 0) {
      scenario.emailFailures--;
      throw new Error("SMTP 421: try again later");
    }
    ledger.push(`email ${userId}: ${message}`);
  },
};
