/**
 * `npm start`: the payment saga twice — a transient gateway error that a retry absorbs, then a
 * declined card that fails the flow and releases the reserved stock — with the progress log on,
 * every transition saved to the embedded SQLite store under .orchestrix/.
 */
import { setDefaultStore } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { ledger, reservations, resetScenario, scenario } from "./services.js";

process.env["ORCHESTRIX_LOG"] ??= "1";
const storePath = ".orchestrix/runs.db";
const store = sqliteStore({ path: storePath });
setDefaultStore(store);

console.log("\n=== Run 1: the gateway times out once; the retry (after 2 s) succeeds ===\n");
resetScenario();
scenario.transientPaymentFailures = 1;
// Importing the example runs the seed page's own code for order ORD-123.
const { paymentFlow, result: first } = await import("./payment-flow.js");
console.log(`run ${first.runId}: ${first.status} · effects: ${ledger.join(" | ")}`);

console.log("\n=== Run 2: the card is declined; the reserved stock is released ===\n");
resetScenario();
scenario.declineCards = true;
const second = await paymentFlow.run({
  orderId: "ORD-124",
  items: [{ sku: "LAPTOP-01", qty: 1 }, { sku: "MOUSE-07", qty: 2 }],
  amount: 1250,
  userId: "user_42",
});
console.log(`run ${second.runId}: ${second.status} · error: ${second.status === "completed" ? "none" : String(second.error)}`);
console.log(`effects: ${ledger.join(" | ")}`);
console.log(`stock still reserved: ${reservations.size}`);

console.log(`\nBoth runs were saved to ${storePath} after every transition. See them with:`);
console.log(`  npm run orchestrix -- runs list --store sqlite:${storePath}`);
console.log(`  npm run orchestrix -- runs show ${second.runId} --store sqlite:${storePath}`);
await store.close();
