/**
 * Inspector throughput: N runs per second report to the local inspector for a few seconds; prints
 * the events per second it received, whether any were lost, what its bounded buffers dropped and
 * evicted, and its heap / RSS before, at peak and after.
 *
 * Two ways to drive it, run in separate processes (drivers) so the inspector's process only
 * measures the inspector:
 * - `--mode=actors` (default): real Orchestrix runs (the payment saga's shape: 4 steps) with
 *   `inspect: createWebSocketInspector({ url }).inspect`, one reporter (one WebSocket) per driver
 *   process, as an application would. The reporting side (XState inspection, safe-stable-stringify,
 *   one timer per event in @statelyai/inspect) costs far more than the inspector, so on a small
 *   machine the drivers, not the inspector, set the ceiling: the report says what they achieved.
 * - `--mode=replay`: raw `ws` clients replay the frames one real run sent (session ids rewritten
 *   per run), to find the inspector's own ceiling.
 *
 * Usage: npx tsx bench/inspector.bench.ts [--rate=1000] [--seconds=10] [--drivers=2] [--mode=actors|replay] [--no-page]
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInspector, createWebSocketInspector } from "@statelyai/inspect";
import { WebSocket } from "ws";
import { create } from "orchestrix";
import { startInspector } from "../src/inspector/index.js";
import { collectGarbage, describeEnvironment } from "./environment.js";
import { markdownTable } from "./table.js";

type Mode = "actors" | "replay";

interface DriverConfig {
  mode: Mode;
  url: string;
  rate: number;
  seconds: number;
  index: number;
}

/** Messages from a driver to the parent. */
type DriverMessage =
  | { type: "ready" }
  | { type: "tick"; started: number; sent: number }
  | { type: "done"; started: number; finished: number; sent: number; failed: number; sendSeconds: number };

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) =>
  argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

if (argv[0] === "--driver") {
  await drive(JSON.parse(argv[1]!) as DriverConfig);
} else {
  await measure({
    mode: option("mode", "actors") as Mode,
    rate: Number(option("rate", "1000")),
    seconds: Number(option("seconds", "10")),
    drivers: Number(option("drivers", "2")),
    page: !argv.includes("--no-page"),
  });
}

/** The payment saga's shape with instant steps: what each run reports is what matters here. */
function benchFlow() {
  return create<{ orderId: string }>("payment-saga")
    .step("reserve-stock", async () => ["res_1"], { compensate: async () => {} })
    .step("process-payment", async () => "txn_1", { retries: 3, retryDelayMs: 2000, backoffFactor: "exponential" })
    .step("confirm-order", async () => undefined)
    .step("send-email", async () => undefined, { retries: 5 });
}

async function measure(config: { mode: Mode; rate: number; seconds: number; drivers: number; page: boolean }): Promise<void> {
  const env = describeEnvironment();
  collectGarbage();
  const before = process.memoryUsage();
  const inspector = await startInspector({ port: 0 });

  // An open inspector page: receives the run list as it changes (raw socket, no browser).
  let pageBytes = 0;
  const page = config.page ? new WebSocket(inspector.url.replace(/^http/, "ws").replace(/\/(\?|$)/, "/ui$1")) : null;
  page?.on("message", (data: Buffer) => (pageBytes += data.length));
  if (page) await new Promise((resolve) => page.once("open", resolve));

  const perDriver = config.rate / config.drivers;
  const children: ChildProcess[] = [];
  const results: Extract<DriverMessage, { type: "done" }>[] = [];
  const ticks = new Map<number, { started: number; sent: number }>();
  const ready: Promise<void>[] = [];
  const done: Promise<void>[] = [];
  for (let index = 0; index < config.drivers; index++) {
    const driver: DriverConfig = { mode: config.mode, url: inspector.reportUrl, rate: perDriver, seconds: config.seconds, index };
    const child = fork(fileURLToPath(import.meta.url), ["--driver", JSON.stringify(driver)], { execArgv: process.execArgv });
    children.push(child);
    ready.push(new Promise((resolve) => child.on("message", (m: DriverMessage) => m.type === "ready" && resolve())));
    done.push(
      new Promise((resolve, reject) => {
        child.on("message", (m: DriverMessage) => {
          if (m.type === "tick") ticks.set(index, { started: m.started, sent: m.sent });
          if (m.type === "done") {
            results.push(m);
            resolve();
          }
        });
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`driver ${index} exited with ${code}`))));
      }),
    );
  }
  await Promise.all(ready);

  const samples: { second: number; received: number; runsStarted: number; rss: number; heap: number }[] = [];
  let peakRss = 0;
  let peakHeap = 0;
  let lastReceived = inspector.stats().received;
  let lastStarted = 0;
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const child of children) child.send("go");
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
    const received = inspector.stats().received;
    const started = [...ticks.values()].reduce((sum, tick) => sum + tick.started, 0);
    samples.push({
      second: Math.round((performance.now() - startedAt) / 1000),
      received: received - lastReceived,
      runsStarted: started - lastStarted,
      rss: memory.rss,
      heap: memory.heapUsed,
    });
    lastReceived = received;
    lastStarted = started;
  }, 1000);

  await Promise.all(done);
  const sendSeconds = Math.max(...results.map((result) => result.sendSeconds));
  const sent = results.reduce((sum, result) => sum + result.sent, 0);
  const drainStart = performance.now();
  while (inspector.stats().received < sent && performance.now() - drainStart < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const drainMs = performance.now() - drainStart;
  const totalSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  const stats = inspector.stats();
  await new Promise((resolve) => setTimeout(resolve, 300));
  collectGarbage();
  const after = process.memoryUsage();

  const runsStarted = results.reduce((sum, result) => sum + result.started, 0);
  const runs = results.reduce((sum, result) => sum + result.finished, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const steady = samples.slice(1, -1);
  const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

  console.log(`\n## Inspector: ${config.rate} runs/s for ${config.seconds} s (${config.mode === "actors" ? "createWebSocketInspector, real Orchestrix runs" : "raw ws replay of recorded frames"})\n`);
  console.log(`${env.cpuCount} × ${env.cpuModel}, Node ${env.node}, xstate ${env.xstate}; ${config.drivers} driver process(es)${config.page ? ", one inspector page open" : ""}\n`);
  console.log(
    markdownTable(
      ["measure", "value"],
      [
        ["runs started / finished by the drivers", `${runsStarted.toLocaleString()} / ${runs.toLocaleString()}${failed ? ` (${failed} not completed)` : ""}`],
        ["achieved run rate (drivers)", `${Math.round(runs / sendSeconds).toLocaleString()} runs/s over ${sendSeconds.toFixed(1)} s`],
        ["events sent (counted in the reporters)", sent.toLocaleString()],
        ["events received by the inspector", stats.received.toLocaleString()],
        ["events lost in transit", (sent - stats.received).toLocaleString()],
        ["events received per second (steady state, mean)", Math.round(mean(steady.map((s) => s.received))).toLocaleString()],
        ["events received per second (whole run)", Math.round(stats.received / totalSeconds).toLocaleString()],
        ["time to drain after the drivers stopped", `${Math.round(drainMs)} ms`],
        [
          "inspector CPU (user + system) / wall time",
          `${(((cpu.user + cpu.system) / 1e6 / totalSeconds) * 100).toFixed(0)} % of one core, ${((cpu.user + cpu.system) / stats.received).toFixed(1)} µs per event`,
        ],
        ["events dropped from full per-run buffers (maxEventsPerRun 1000)", stats.droppedEvents.toLocaleString()],
        ["old runs evicted (maxRuns 500)", stats.evictedRuns.toLocaleString()],
        ["late events of evicted runs", stats.lateEvents.toLocaleString()],
        ["malformed frames", stats.malformed.toLocaleString()],
        ["runs held at the end", stats.runs.toLocaleString()],
        ["bytes pushed to the open page", config.page ? mb(pageBytes) : "(no page)"],
        ["inspector heap before → peak → after (after GC)", `${mb(before.heapUsed)} → ${mb(peakHeap)} → ${mb(after.heapUsed)}`],
        ["inspector RSS before → peak → after", `${mb(before.rss)} → ${mb(peakRss)} → ${mb(after.rss)}`],
      ],
      ["left", "right"],
    ),
  );
  console.log("\nPer second (inspector process):\n");
  console.log(
    markdownTable(
      ["s", "runs started", "events received", "heap", "RSS"],
      samples.map((s) => [String(s.second), s.runsStarted.toLocaleString(), s.received.toLocaleString(), mb(s.heap), mb(s.rss)]),
      ["right", "right", "right", "right", "right"],
    ),
  );
  page?.close();
  await inspector.close();
}

async function drive(config: DriverConfig): Promise<void> {
  const flow = benchFlow();
  let sent = 0;
  let started = 0;
  let finished = 0;
  let failed = 0;
  let launch: () => void;
  let drained: () => Promise<void>;

  if (config.mode === "actors") {
    const reporter = createWebSocketInspector({ url: config.url });
    const adapter = reporter.adapter as unknown as { status: string; ws?: WebSocket; send(event: unknown): void };
    const send = adapter.send.bind(adapter);
    adapter.send = (event) => {
      sent++;
      send(event);
    };
    while (adapter.status !== "open") await sleep(10);
    launch = () => {
      started++;
      flow.run({ orderId: `o${started}` }, { inspect: reporter.inspect }).then(
        (result) => (result.status === "completed" ? finished++ : failed++),
        () => failed++,
      );
    };
    drained = async () => {
      // @statelyai/inspect sends each event from its own timer: wait for them, then for the socket.
      await sleep(200);
      while ((adapter.ws?.bufferedAmount ?? 0) > 0) await sleep(10);
      reporter.stop();
    };
  } else {
    const frames = await recordOneRun(flow);
    const socket = new WebSocket(config.url, { perMessageDeflate: false });
    await new Promise((resolve) => socket.once("open", resolve));
    launch = () => {
      const run = started++;
      const prefix = `"d${config.index}r${run}:`;
      for (const frame of frames) {
        socket.send(frame.replace(/"x:(?=\d+")/g, prefix));
        sent++;
      }
      finished++;
    };
    drained = async () => {
      while (socket.bufferedAmount > 0) await sleep(10);
      socket.close();
    };
  }

  process.send!({ type: "ready" } satisfies DriverMessage);
  await new Promise<void>((resolve) => process.once("message", () => resolve()));
  const t0 = performance.now();
  const end = t0 + config.seconds * 1000;
  let lastTick = t0;
  while (performance.now() < end) {
    const due = Math.floor((config.rate * (performance.now() - t0)) / 1000);
    while (started < due) launch();
    if (performance.now() - lastTick >= 1000) {
      lastTick = performance.now();
      process.send!({ type: "tick", started, sent } satisfies DriverMessage);
    }
    await sleep(5);
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  while (finished + failed < started) await sleep(10);
  await drained();
  process.send!({ type: "tick", started, sent } satisfies DriverMessage);
  process.send!({ type: "done", started, finished, sent, failed, sendSeconds } satisfies DriverMessage);
  process.disconnect();
}

/** The frames `createWebSocketInspector` sends for one run, as the text it puts on the wire. */
async function recordOneRun(flow: ReturnType<typeof benchFlow>): Promise<string[]> {
  const frames: string[] = [];
  const recorder = createInspector({ send: (event) => frames.push(JSON.stringify(event)) });
  await flow.run({ orderId: "recorded" }, { inspect: recorder.inspect });
  await sleep(100);
  return frames;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
