/**
 * Stately Sky: `createSkyInspector()` streams every run to stately.ai and prints a link to a live
 * inspector page. It needs the internet (this project's CI has none, so it is type-checked only).
 *   npx tsx examples/inspect-sky.ts
 */
import { createSkyInspector } from "@statelyai/inspect";
import { paymentFlow } from "./flows.js";
import { resetScenario } from "./services.js";

const { inspect } = createSkyInspector({ onerror: (error) => console.error("Sky is unreachable:", error) });

resetScenario();
const result = await paymentFlow.run(
  { orderId: "ORD-300", items: [{ sku: "LAPTOP-01", qty: 1 }], amount: 1200, userId: "user_8" },
  { inspect },
);
console.log(`run ${result.runId} ended ${result.status}`);
