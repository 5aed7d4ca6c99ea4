/**
 * Watch the payment saga live in Orchestrix's local inspector (works offline):
 *   npm run orchestrix -- inspect            # serves http://127.0.0.1:4400
 *   npx tsx examples/inspect-websocket.ts    # runs the saga, reporting over the WebSocket
 * The same `createWebSocketInspector` works with any server speaking Stately's protocol.
 */
import { createWebSocketInspector } from "@statelyai/inspect";
import { stopReporter } from "orchestrix/inspector";
import { paymentFlow } from "./flows.js";
import { resetScenario, scenario } from "./services.js";

const reporter = createWebSocketInspector({ url: process.env["INSPECTOR_URL"] ?? "ws://127.0.0.1:4400" });

resetScenario();
scenario.declineCards = true;
const result = await paymentFlow.run(
  { orderId: "ORD-200", items: [{ sku: "LAPTOP-01", qty: 1 }], amount: 1200, userId: "user_7" },
  { inspect: reporter.inspect },
);
// Stopping at once would drop the events still queued: the inspector would show the run cut off mid-way.
await stopReporter(reporter);
console.log(`run ${result.runId} ended ${result.status}; open the inspector to see it`);
