/**
 * The checkout services of the example server, keeping every effect in JSON-lines files of one
 * folder so that they outlive the process: a payment gateway that charges once per idempotency
 * key (as Stripe does) and logs every request it gets, and an inventory whose reservations and
 * releases can be counted after a crash.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CheckoutServices } from "../checkout/flow.js";

/** One line of a ledger file. */
export type LedgerLine = Record<string, unknown> & { kind: string };

/** Reads every line of a folder's ledger (for tests and for a person looking). */
export function readLedger(dir: string): LedgerLine[] {
  const file = join(dir, "ledger.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LedgerLine);
}

/** Services whose effects are appended (synchronously, so a SIGKILL cannot lose one) to `dir/ledger.jsonl`. */
export function diskCheckoutServices(dir: string): CheckoutServices {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "ledger.jsonl");
  const write = (line: LedgerLine) => appendFileSync(file, `${JSON.stringify({ ...line, at: Date.now(), pid: process.pid })}\n`);
  const find = (kind: string, key: string) => readLedger(dir).find((line) => line.kind === kind && line.key === key);
  return {
    async reserve(items, key) {
      const known = find("reserve", key);
      if (known) return known.ids as string[];
      const ids = items.map((item, index) => `res_${key}_${index}_${item.sku}`);
      write({ kind: "reserve", key, ids });
      return ids;
    },
    async release(ids) {
      write({ kind: "release", ids });
    },
    async charge({ amount, userId, idempotencyKey, fail }) {
      write({ kind: "charge-request", key: idempotencyKey, amount });
      if (fail) throw new Error("payment gateway timed out (ETIMEDOUT)");
      const known = find("charge", idempotencyKey);
      if (known) return known.transactionId as string;
      const transactionId = `txn_${idempotencyKey.replace(/[^\w]/g, "_")}`;
      write({ kind: "charge", key: idempotencyKey, amount, userId, transactionId });
      return transactionId;
    },
    async confirm(orderId, transactionId) {
      write({ kind: "confirm", orderId, transactionId });
    },
    async email(userId, message) {
      write({ kind: "email", userId, message });
    },
  };
}
