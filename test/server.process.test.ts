import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredRunView } from "orchestrix/http";
import { startInspector } from "orchestrix/inspector";
import { readLedger } from "../examples/server/disk-services.js";
import { openEvents, startServer, until, type ServerProcess, type SseEvent } from "./support/server-process.js";

const dir = mkdtempSync(join(tmpdir(), "orchestrix-server-"));
const env = { ORDERS_DB: join(dir, "orders.db"), ORDERS_DATA: join(dir, "data") };
const servers: ServerProcess[] = [];
const start = async () => {
  const server = await startServer(env);
  servers.push(server);
  return server;
};

const order = (orderId: string, extra: Record<string, unknown> = {}) => ({
  orderId,
  userId: "user_7",
  items: [{ sku: "LAPTOP-01", qty: 1 }],
  amount: 1200,
  ...extra,
});
const post = (url: string, body: unknown) =>
  fetch(`${url}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const views = (events: SseEvent[]) => events.filter((event) => event.event === "view").map((event) => JSON.parse(event.data) as StoredRunView);

afterAll(async () => {
  for (const server of servers) await server.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe("the example order server, as real processes", () => {
  let first: ServerProcess;
  beforeAll(async () => {
    first = await start();
  });

  it("survives a SIGKILL mid-payment: the restarted server finishes the order, charged once, and the event stream resumes", async () => {
    const runId = "ord-kill-1";
    const key = `${runId}:process-payment`;
    const posted = await post(first.url, order(runId, { simulate: { slowMs: 1200 } }));
    expect(posted.status).toBe(202);
    expect(await posted.json()).toEqual({ runId, status: "running" });

    const stream = await openEvents(`${first.url}/orders/${runId}/events`);
    expect(stream.status).toBe(200);
    // The charge is made halfway through the step: kill the server while the step is still in flight.
    await until(() => readLedger(env.ORDERS_DATA).some((line) => line.kind === "charge" && line.key === key), "the charge");
    await first.kill();
    await stream.ended;
    const before = views(stream.events);
    expect(before.length).toBeGreaterThan(0);
    expect(before.at(-1)?.status).toBe("running");
    const lastId = stream.events.filter((event) => event.id !== undefined).at(-1)!.id!;

    const second = await start();
    expect(second.output()).toContain(`resumed order ${runId}`);
    const resumed = await openEvents(`${second.url}/orders/${runId}/events`, lastId);
    expect(resumed.status).toBe(200);
    await resumed.ended;
    const after = views(resumed.events);
    expect(after.length).toBeGreaterThan(0);
    // Nothing the client already had is sent again; the rest arrives, up to the end.
    for (const view of after) expect(view.seq).toBeGreaterThan(Number(lastId));
    expect(after.at(-1)?.status).toBe("completed");
    expect(after.at(-1)?.steps.map((step) => `${step.name}:${step.status}`)).toEqual([
      "reserve-stock:completed",
      "process-payment:completed",
      "confirm-order:completed",
      "send-email:completed",
    ]);

    const view = (await (await fetch(`${second.url}/orders/${runId}`)).json()) as StoredRunView;
    expect(view.status).toBe("completed");
    expect(view.currentSteps).toEqual([]);
    const ledger = readLedger(env.ORDERS_DATA);
    // The step ran again after the restart (at-least-once) with the same key, and the gateway charged once.
    expect(ledger.filter((line) => line.kind === "charge-request" && line.key === key)).toHaveLength(2);
    expect(ledger.filter((line) => line.kind === "charge" && line.key === key)).toHaveLength(1);
    expect(ledger.filter((line) => line.kind === "reserve")).toHaveLength(1);

    // A finished stream that is resumed past its last event tells the EventSource to stop.
    const again = await openEvents(`${second.url}/orders/${runId}/events`, String(after.at(-1)!.seq));
    expect(again.status).toBe(204);

    // Posting the same order again returns the same run and charges nothing.
    const repeated = await post(second.url, order(runId, { simulate: { slowMs: 1200 } }));
    expect(repeated.status).toBe(200);
    expect(await repeated.json()).toMatchObject({ runId, status: "completed", existing: true });
    const other = await post(second.url, order(runId, { amount: 5 }));
    expect(other.status).toBe(409);
    expect(readLedger(env.ORDERS_DATA).filter((line) => line.kind === "charge")).toHaveLength(1);
  }, 90_000);

  it("answers a malformed order with 400 and the schema's issues, and starts nothing", async () => {
    const server = servers.at(-1)!;
    const invalid = await post(server.url, { orderId: "ord-bad", userId: "u", items: [], amount: "lots" });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { issues: { path: (string | number)[]; message: string }[] };
    expect(body.issues.map((issue) => issue.path.join("."))).toEqual(expect.arrayContaining(["items", "amount"]));
    const notJson = await post(server.url, "{ not json");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "The body is not JSON" });
    expect((await fetch(`${server.url}/orders/ord-bad`)).status).toBe(404);
  });

  it("cancels an order in flight: the stock is released and the view says cancelled", async () => {
    const server = servers.at(-1)!;
    const runId = "ord-cancel-1";
    expect((await post(server.url, order(runId, { simulate: { slowMs: 1500 } }))).status).toBe(202);
    await until(async () => {
      const view = (await (await fetch(`${server.url}/orders/${runId}`)).json()) as StoredRunView;
      return view.currentSteps.includes("process-payment");
    }, "the payment to start");
    const cancelled = await fetch(`${server.url}/orders/${runId}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(202);
    const stream = await openEvents(`${server.url}/orders/${runId}/events`);
    await stream.ended;
    const last = views(stream.events).at(-1)!;
    expect(last.status).toBe("cancelled");
    expect(last.steps[0]).toMatchObject({ name: "reserve-stock", status: "compensated" });
    const released = readLedger(env.ORDERS_DATA).filter((line) => line.kind === "release");
    expect(released.map((line) => line.ids)).toContainEqual([`res_${runId}:reserve-stock_0_LAPTOP-01`]);
  }, 30_000);
});

describe("the example order server with INSPECTOR_URL", () => {
  it("reports its runs to the local inspector", async () => {
    const inspector = await startInspector({ port: 0 });
    try {
      const server = await startServer({ ORDERS_DB: join(dir, "inspected.db"), ORDERS_DATA: join(dir, "inspected"), INSPECTOR_URL: inspector.reportUrl });
      servers.push(server);
      expect((await post(server.url, order("ord-inspected-1"))).status).toBe(202);
      await until(() => inspector.runs().some((run) => run.runId === "ord-inspected-1" && run.status === "completed"), "the inspector to see the run end");
    } finally {
      await inspector.close();
    }
  }, 60_000);
});
