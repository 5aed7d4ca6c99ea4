import { request } from "node:http";
import { createWebSocketInspector } from "@statelyai/inspect";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { assign, createActor, createMachine } from "xstate";
import { create, memoryStore } from "orchestrix";
import { startInspector, type Inspector, type RunView } from "../src/inspector/index.js";

const started: Inspector[] = [];
const reporters: { stop(): void }[] = [];

afterEach(async () => {
  for (const reporter of reporters.splice(0)) reporter.stop();
  await Promise.all(started.splice(0).map((inspector) => inspector.close()));
});

async function inspector(options: Parameters<typeof startInspector>[0] = {}): Promise<Inspector> {
  const server = await startInspector({ port: 0, ...options });
  started.push(server);
  return server;
}

function reporter(url: string) {
  const created = createWebSocketInspector({ url });
  reporters.push(created);
  return created;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A plain XState machine, nothing Orchestrix about it. */
const toggle = createMachine({
  id: "toggle",
  initial: "off",
  context: { flips: 0 },
  states: {
    off: { on: { FLIP: { target: "on", actions: assign({ flips: ({ context }) => context.flips + 1 }) } } },
    on: { on: { FLIP: { target: "off", actions: assign({ flips: ({ context }) => context.flips + 1 }) }, STOP: "stopped" } },
    stopped: { type: "final" },
  },
});

describe("the WebSocket protocol of @statelyai/inspect", () => {
  it("receives @xstate.actor, @xstate.event and @xstate.snapshot from any XState actor and keeps them per run", async () => {
    const server = await inspector();
    const { inspect } = reporter(server.reportUrl);
    const first = createActor(toggle, { id: "lamp-1", inspect }).start();
    const second = createActor(toggle, { id: "lamp-2", inspect }).start();
    first.send({ type: "FLIP" });
    first.send({ type: "FLIP" });
    second.send({ type: "FLIP" });
    second.send({ type: "STOP" });

    await waitFor(() => server.runs().length === 2 && server.runs().some((run) => run.status === "done"), "both runs");
    const lamp1 = server.run(server.runs().find((run) => run.name === "lamp-1")!.key)!;
    await waitFor(() => server.run(lamp1.summary.key)!.snapshots.length === 3, "lamp-1's snapshots");
    const view = server.run(lamp1.summary.key)!;

    expect(view.summary).toMatchObject({ source: "live", name: "lamp-1", machine: "toggle", status: "running", state: "off" });
    expect(new Set(view.events.map((event) => event.type))).toEqual(new Set(["@xstate.actor", "@xstate.event", "@xstate.snapshot"]));
    expect(view.events.filter((event) => event.type === "@xstate.event").map((event) => event.label)).toEqual([
      "xstate.init",
      "FLIP",
      "FLIP",
    ]);
    expect(view.snapshots.map((point) => point.active.at(-1))).toEqual(["toggle.off", "toggle.on", "toggle.off"]);
    expect(view.latest?.context).toEqual({ flips: 2 });
    // The machine definition came with @xstate.actor: the run can be drawn.
    expect(view.graph).toMatchObject({ machineId: "toggle", complete: false });

    const lamp2 = server.runs().find((run) => run.name === "lamp-2")!;
    expect(lamp2).toMatchObject({ status: "done", state: "stopped" });
    expect(server.stats()).toMatchObject({ reporters: 1, malformed: 0, droppedEvents: 0, evictedRuns: 0 });
  });

  it("follows an Orchestrix run by its run id: status, step timeline with every attempt and its error", async () => {
    const server = await inspector();
    const { inspect } = reporter(server.reportUrl);
    let failures = 2;
    const flow = create<{ amount: number }>("charge-flow")
      .step("reserve", () => ["r1"], { compensate: () => {} })
      .step("charge", () => {
        if (failures-- > 0) throw new Error("gateway timeout");
        return "txn_1";
      }, { retries: 3, retryDelayMs: 15 });
    const result = await flow.run({ amount: 5 }, { runId: "order-7", inspect });
    expect(result.status).toBe("completed");

    await waitFor(() => server.run("order-7")?.summary.status === "completed", "the completed run");
    const view = server.run("order-7")!;
    expect(view.summary).toMatchObject({ name: "order-7", runId: "order-7", machine: "charge-flow", state: "completed" });
    const charge = view.latest!.timeline!.rows.find((row) => row.name === "charge")!;
    expect(charge.attempts.map((attempt) => attempt.error)).toEqual(["gateway timeout", "gateway timeout", null]);
    expect(charge.waits).toHaveLength(2);
    expect(view.latest!.context).toMatchObject({ input: { amount: 5 }, outputs: { reserve: ["r1"], charge: "txn_1" } });
    expect(view.snapshots.map((point) => point.active.at(-1))).toEqual([
      "charge-flow.steps.reserve.running",
      "charge-flow.steps.charge.running",
      "charge-flow.steps.charge.retrying",
      "charge-flow.steps.charge.running",
      "charge-flow.steps.charge.retrying",
      "charge-flow.steps.charge.running",
      "charge-flow.completed",
    ]);
  });

  it("keeps at most maxEventsPerRun events per run, dropping the oldest and counting them", async () => {
    const server = await inspector({ maxEventsPerRun: 10 });
    const { inspect } = reporter(server.reportUrl);
    const lamp = createActor(toggle, { id: "busy", inspect }).start();
    for (let i = 0; i < 20; i++) lamp.send({ type: "FLIP" });

    await waitFor(() => server.runs()[0]?.events === 1 + 2 * 21, "every event");
    const view = server.run(server.runs()[0]!.key)!;
    expect(view.events).toHaveLength(10);
    expect(view.droppedEvents).toBe(43 - 10);
    expect(view.summary.droppedEvents).toBe(33);
    expect(server.stats().droppedEvents).toBe(33);
    // The newest are kept, in order.
    expect(view.events.map((event) => event.seq)).toEqual([34, 35, 36, 37, 38, 39, 40, 41, 42, 43]);
    expect(view.latest?.context).toEqual({ flips: 20 });
  });

  it("evicts the oldest finished runs beyond maxRuns and keeps live ones", async () => {
    const server = await inspector({ maxRuns: 2 });
    const { inspect } = reporter(server.reportUrl);
    const live = createActor(toggle, { id: "still-on", inspect }).start();
    for (let i = 1; i <= 4; i++) {
      const done = createActor(toggle, { id: `done-${i}`, inspect }).start();
      done.send({ type: "FLIP" });
      done.send({ type: "STOP" });
      await waitFor(() => server.runs().some((run) => run.name === `done-${i}` && run.status === "done"), `done-${i}`);
    }

    expect(server.runs().map((run) => run.name)).toEqual(["done-4", "done-3", "still-on"]);
    expect(server.stats()).toMatchObject({ evictedRuns: 2, runs: 3 });
    live.send({ type: "FLIP" });
    await waitFor(() => server.runs().find((run) => run.name === "still-on")!.state === "on", "the live run to move");
  });

  it("keeps every live run even beyond maxRuns: only finished ones are evicted", async () => {
    const server = await inspector({ maxRuns: 2 });
    const { inspect } = reporter(server.reportUrl);
    for (let i = 1; i <= 5; i++) createActor(toggle, { id: `live-${i}`, inspect }).start();
    await waitFor(() => server.stats().received === 5 * 3, "every actor's first events");
    expect(server.runs()).toHaveLength(5);
    expect(server.stats().evictedRuns).toBe(0);
  });

  it("counts, and does not resurrect, a run from late events after it was evicted", async () => {
    const server = await inspector({ maxRuns: 1 });
    const socket = new WebSocket(server.reportUrl);
    await new Promise((resolve) => socket.once("open", resolve));
    const frame = (sessionId: string, type: string, extra: object) => JSON.stringify({ type, sessionId, rootId: sessionId, ...extra });
    for (const id of ["x:0", "x:1"]) {
      socket.send(frame(id, "@xstate.actor", { name: `run-${id}` }));
      socket.send(frame(id, "@xstate.snapshot", { snapshot: { status: "done", value: "end" }, event: { type: "FINISH" } }));
    }
    socket.send(frame("x:0", "@xstate.event", { event: { type: "TOO_LATE" } }));
    await waitFor(() => server.stats().received === 5, "five frames");
    expect(server.runs().map((run) => run.name)).toEqual(["run-x:1"]);
    expect(server.stats()).toMatchObject({ evictedRuns: 1, lateEvents: 1 });
    socket.close();
  });

  it("marks a reporter's unfinished runs as disconnected when it goes away", async () => {
    const server = await inspector();
    const created = createWebSocketInspector({ url: server.reportUrl });
    createActor(toggle, { id: "orphan", inspect: created.inspect }).start();
    await waitFor(() => server.runs().length === 1 && server.runs()[0]!.events >= 3, "the run");
    created.stop();
    await waitFor(() => server.runs()[0]!.status === "disconnected", "the disconnection");
    expect(server.stats().reporters).toBe(0);
  });

  it("counts frames that are not inspection events and carries on", async () => {
    const server = await inspector();
    const socket = new WebSocket(server.reportUrl);
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send("not json");
    socket.send(JSON.stringify({ type: "@xstate.event", sessionId: "x:1" }));
    socket.send(JSON.stringify({ type: "@xstate.snapshot", sessionId: "x:1", snapshot: { status: "active", value: "a" } }));
    await waitFor(() => server.stats().received === 3, "three frames");
    expect(server.stats().malformed).toBe(2);
    expect(server.runs()).toHaveLength(1);
    socket.close();
  });
});

describe("stored runs", () => {
  it("lists the store's runs next to the live ones and shows a stored run from its last snapshot", async () => {
    const store = memoryStore();
    const flow = create<{ sku: string }>("restock")
      .step("order", () => "po-1", { compensate: () => {} })
      .step("pay", () => {
        throw new Error("no budget");
      });
    expect((await flow.run({ sku: "A" }, { runId: "restock-1", store })).status).toBe("failed");
    const server = await inspector({ store, flows: [flow] });
    const { inspect } = reporter(server.reportUrl);
    await flow.run({ sku: "B" }, { runId: "restock-2", store, inspect });
    await waitFor(() => server.run("restock-2")?.summary.status === "failed", "the live run");

    const base = `http://127.0.0.1:${server.port}`;
    const listing = (await (await fetch(`${base}/api/runs`)).json()) as { live: { name: string }[]; stored: { key: string; status: string }[] };
    expect(listing.live.map((run) => run.name)).toEqual(["restock-2"]);
    // A run both live and stored is listed once, as live.
    expect(listing.stored).toEqual([expect.objectContaining({ key: "store:restock-1", status: "failed", source: "stored" })]);
    expect(server.run("restock-2")?.stored).toBe(true);

    const view = (await (await fetch(`${base}/api/runs/store%3Arestock-1`)).json()) as RunView;
    expect(view.summary).toMatchObject({ name: "restock-1", machine: "restock", state: "failed" });
    expect(view.graph).toMatchObject({ machineId: "restock", complete: true });
    expect(view.latest?.timeline?.rows.map((row) => [row.name, row.kind, row.status, row.error])).toEqual([
      ["order", "step", "completed", null],
      ["pay", "step", "failed", "no budget"],
      ["order", "compensation", "completed", null],
    ]);
    const svg = await (await fetch(`${base}/api/runs/store%3Arestock-1/graph.svg`)).text();
    expect(svg).toMatch(/ox-current" data-state="restock\.failed"/);
  });
});

describe("who may connect", () => {
  it("refuses to listen beyond loopback without a token", async () => {
    await expect(startInspector({ host: "0.0.0.0", port: 0 })).rejects.toThrow(
      /Refusing to start the inspector on 0\.0\.0\.0 without a token/,
    );
  });

  it("with a token, answers 401 to requests and sockets without it, 200 with it", async () => {
    const server = await inspector({ token: "s3cret-token" });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/runs?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/?token=s3cret-token`)).status).toBe(200);
    expect((await fetch(`${base}/api/runs`, { headers: { Authorization: "Bearer s3cret-token" } })).status).toBe(200);
    expect(server.url).toBe(`${base}/?token=s3cret-token`);

    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/ui`)).toBe(401);
    expect(await upgradeStatus(server.reportUrl)).toBe(101);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/`, { Authorization: "Bearer s3cret-token" })).toBe(101);
  });

  it("without a token, only answers requests addressed to localhost (DNS rebinding)", async () => {
    const server = await inspector();
    expect(await httpStatus(server.port, "evil.example:80")).toBe(403);
    expect(await httpStatus(server.port, `localhost:${server.port}`)).toBe(200);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/ui`, { Origin: "http://evil.example" })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/ui`, { Origin: `http://127.0.0.1:${server.port}` })).toBe(101);
  });
});

/** The status an upgrade request gets: 101 when the socket opens. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => {
      socket.close();
      resolve(101);
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

function httpStatus(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/runs", headers: { Host: host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.once("error", reject);
    req.end();
  });
}
