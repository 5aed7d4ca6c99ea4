/**
 * Starts the order service: `npm run example:server` (PORT, ORDERS_DB, ORDERS_DATA, STATIC_DIR
 * and INSPECTOR_URL — the report address of `orchestrix inspect`, e.g. ws://127.0.0.1:4400 — from
 * the environment). Unfinished orders of a previous process are resumed first.
 */
import { createWebSocketInspector } from "@statelyai/inspect";
import { sqliteStore } from "orchestrix/sqlite";
import { createOrderService } from "./app.js";
import { diskCheckoutServices } from "./disk-services.js";

const port = Number(process.env["PORT"] ?? 3000);
const store = sqliteStore({ path: process.env["ORDERS_DB"] ?? ".orchestrix/orders.db" });
const inspectorUrl = process.env["INSPECTOR_URL"];
const service = createOrderService({
  store,
  services: diskCheckoutServices(process.env["ORDERS_DATA"] ?? ".orchestrix/orders-data"),
  ...(process.env["STATIC_DIR"] ? { staticDir: process.env["STATIC_DIR"] } : {}),
  ...(inspectorUrl ? { inspect: createWebSocketInspector({ url: inspectorUrl }).inspect } : {}),
});

const { resumed, skipped } = await service.resumeUnfinished();
for (const run of resumed) console.log(`resumed order ${run.runId}`);
for (const run of skipped) console.log(`left order ${run.runId}: ${run.reason}`);
service.server.listen(port, "127.0.0.1", () => {
  const address = service.server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`);
});
