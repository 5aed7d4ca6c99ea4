/**
 * Durable throughput: runs per second of a 4-step no-op flow saved to SQLite after every
 * transition, against the same flow in memory, one at a time and with 100 runs in flight;
 * how long the event loop was held up meanwhile (p99 of its delay: what an HTTP server in the same
 * process would add to a response); and the memory that 10,000 runs waiting to retry take. `npx tsx --expose-gc bench/durable.bench.ts`.
 */
import { setMaxListeners } from "node:events";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type RunStore } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { runInLanes } from "./lanes.js";

const noop = async () => {};
const flow = create("bench-durable").step("a", noop).step("b", noop).step("c", noop).step("d", noop);

/** Runs `total` runs keeping `inFlight` of them going at once; returns runs per second. */
async function throughput(total: number, inFlight: number, store: RunStore | undefined): Promise<number> {
  return (await measured(total, inFlight, store)).runsPerSecond;
}

/** Runs per second, and the p99 of the event loop's delay (ms) while they ran. */
async function measured(total: number, inFlight: number, store: RunStore | undefined): Promise<{ runsPerSecond: number; loopDelayP99: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const elapsed = await runInLanes(total, inFlight, async (id) => {
    const result = await flow.run(null, store ? { store, runId: `r${id}` } : {});
    if (result.status !== "completed") throw new Error(`run ${id} ended ${result.status}`);
  });
  delay.disable();
  return { runsPerSecond: (total / elapsed) * 1000, loopDelayP99: delay.percentile(99) / 1e6 };
}

/** A store that answers every call at once and keeps nothing: the ceiling any real store can reach. */
function storeThatKeepsNothing(): RunStore {
  const nothing = async () => {};
  return {
    create: nothing,
    save: nothing,
    claim: async () => undefined,
    renew: async () => true,
    release: nothing,
    load: async () => undefined,
    list: async () => ({ runs: [] }),
    delete: nothing,
    signal: async () => true,
    signals: async () => [],
    close: nothing,
  };
}

type Variant = "full" | "normal" | "nothing";

function freshStore(variant: Variant): { store: RunStore; dispose: () => Promise<void> } {
  if (variant === "nothing") return { store: storeThatKeepsNothing(), dispose: async () => {} };
  const synchronous = variant;
  const dir = mkdtempSync(join(tmpdir(), "orchestrix-bench-"));
  const store = sqliteStore({ path: join(dir, "runs.db"), synchronous });
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One measured row of the durable benchmark: medians over the rounds. */
export interface DurableRow {
  variant: string;
  sequential: number;
  concurrent100: number;
  /** Median over the rounds of (this variant ÷ in memory), both measured back to back in the round. */
  ratio: number;
  /** Median over the rounds of the event loop's p99 delay with 100 in flight, ms. */
  loopDelayP99: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Measures in-memory and SQLite throughput, sequential and with 100 runs in flight. The machine is
 * shared and noisy, so the in-flight numbers come from `rounds` rounds in which each store variant
 * runs right after an in-memory run, and the ratio is taken per round.
 */
export async function measureDurable(rounds = 5): Promise<DurableRow[]> {
  await throughput(300, 10, undefined); // warm up the JIT
  const variants: Variant[] = ["full", "normal", "nothing"];
  const memory: number[] = [];
  const memoryDelays: number[] = [];
  const stored: Record<Variant, { runs: number[]; ratios: number[]; delays: number[] }> = {
    full: { runs: [], ratios: [], delays: [] },
    normal: { runs: [], ratios: [], delays: [] },
    nothing: { runs: [], ratios: [], delays: [] },
  };
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const inMemory = await measured(3_000, 100, undefined);
      const fresh = freshStore(variant);
      const durable = await measured(3_000, 100, fresh.store);
      await fresh.dispose();
      memory.push(inMemory.runsPerSecond);
      memoryDelays.push(inMemory.loopDelayP99);
      stored[variant].runs.push(durable.runsPerSecond);
      stored[variant].ratios.push(durable.runsPerSecond / inMemory.runsPerSecond);
      stored[variant].delays.push(durable.loopDelayP99);
    }
  }
  const rows: DurableRow[] = [
    {
      variant: "in memory (no store)",
      sequential: await throughput(3_000, 1, undefined),
      concurrent100: median(memory),
      ratio: 1,
      loopDelayP99: median(memoryDelays),
    },
  ];
  for (const variant of variants) {
    const fresh = freshStore(variant);
    const sequential = await throughput(400, 1, fresh.store);
    await fresh.dispose();
    rows.push({
      variant: variant === "nothing" ? "a store that keeps nothing (the engine's share)" : `sqliteStore, synchronous=${variant}`,
      sequential,
      concurrent100: median(stored[variant].runs),
      ratio: median(stored[variant].ratios),
      loopDelayP99: median(stored[variant].delays),
    });
  }
  return rows;
}

/** Heap bytes per run for `count` runs parked in a retry wait, with and without a store. */
export async function memoryPerWaitingRun(count: number, store: RunStore | undefined): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc to measure memory");
  const waiting = create("bench-waiting").step("a", noop).step("flaky", () => {
    throw new Error("down");
  }, { retries: 1, retryDelayMs: 600_000 });
  gc();
  const before = process.memoryUsage().heapUsed;
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one signal cancels all the runs
  const runs = Array.from({ length: count }, (_, i) =>
    waiting.run(null, { signal: controller.signal, ...(store ? { store, runId: `w${i}` } : {}) }),
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  gc();
  const after = process.memoryUsage().heapUsed;
  controller.abort();
  await Promise.all(runs);
  return (after - before) / count;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureDurable();
  console.log(
    "| variant | sequential runs/s | 100 in flight runs/s (median of 5 rounds) | vs in memory, 100 in flight (median of per-round ratios) | event-loop delay p99, 100 in flight |",
  );
  console.log("|---|---:|---:|---:|---:|");
  for (const row of rows) {
    console.log(
      `| ${row.variant} | ${fmt(row.sequential)} | ${fmt(row.concurrent100)} | ${(row.ratio * 100).toFixed(0)}% | ${row.loopDelayP99.toFixed(1)} ms |`,
    );
  }
  console.log(`\nheap per run waiting to retry (10,000 runs), no store: ${fmt(await memoryPerWaitingRun(10_000, undefined))} B`);
  const s = freshStore("full");
  console.log(`heap per run waiting to retry (10,000 runs), sqliteStore: ${fmt(await memoryPerWaitingRun(10_000, s.store))} B`);
  await s.dispose();
}
