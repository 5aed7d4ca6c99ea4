/**
 * What a durable save costs as flows get longer: per-run CPU and snapshot bytes written for 4-,
 * 20- and 100-step no-op flows on SQLite (synchronous=normal, 100 runs in flight), against the
 * same flows in memory, measured in the same process; and a 1 MB input, written how many times.
 * `npx tsx bench/long-flows.bench.ts`. Bytes come from the store's `onWrite` hook, or, on a store
 * without one (schema 1), from the size of the whole snapshot each save wrote.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type Flow, type RunStore } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { runInLanes } from "./lanes.js";

const noop = async () => {};

function flowOf(steps: number): Flow<unknown, Record<string, unknown>> {
  let flow = create(`bench-long-${steps}`) as Flow<unknown, Record<string, unknown>>;
  for (let i = 0; i < steps; i++) flow = flow.step(`s${i}` as never, noop) as never;
  return flow;
}

/** A fresh SQLite store that counts the bytes its saves write. */
function countingStore(): { store: RunStore; bytes: () => number; dispose: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), "orchestrix-long-"));
  let written = 0;
  const options = { path: join(dir, "runs.db"), synchronous: "normal" as const, onWrite: (w: { bytes: number }) => void (written += w.bytes) };
  const inner = sqliteStore(options);
  const hooked = process.env["BENCH_WHOLE_SNAPSHOTS"] !== "1";
  const store: RunStore = hooked
    ? inner
    : {
        ...inner,
        create: (record) => ((written += JSON.stringify(record.snapshot).length), inner.create(record)),
        save: (record) => ((written += JSON.stringify(record.snapshot).length), inner.save(record)),
      };
  return {
    store,
    bytes: () => written,
    dispose: async () => {
      await inner.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `total` runs of `flow`, 100 in flight; returns CPU µs per run and wall-clock runs per second. */
async function measure(flow: Flow<unknown, Record<string, unknown>>, total: number, store: RunStore | undefined, input: unknown = null) {
  const cpu = process.cpuUsage();
  const elapsed = await runInLanes(total, 100, async (id) => {
    const result = await flow.run(input, store ? { store, runId: `r${id}` } : {});
    if (result.status !== "completed") throw new Error(`run ${id} ended ${result.status}`);
  });
  const used = process.cpuUsage(cpu);
  return { cpuPerRunUs: (used.user + used.system) / total, runsPerSecond: (total / elapsed) * 1000 };
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = [4, 20, 100] as const;
  const totals: Record<(typeof sizes)[number], number> = { 4: 2_000, 20: 600, 100: 150 };
  await measure(flowOf(4), 500, undefined); // warm up the JIT
  console.log("| steps | in memory µs CPU/run | SQLite µs CPU/run | SQLite µs CPU per step | bytes written/run | bytes per step | SQLite runs/s | in memory runs/s |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|");
  const perStep: number[] = [];
  for (const steps of sizes) {
    const flow = flowOf(steps);
    const memory = await measure(flow, totals[steps], undefined);
    const counting = countingStore();
    const durable = await measure(flow, totals[steps], counting.store);
    const bytesPerRun = counting.bytes() / totals[steps];
    await counting.dispose();
    perStep.push(durable.cpuPerRunUs / steps);
    console.log(
      `| ${steps} | ${fmt(memory.cpuPerRunUs)} | ${fmt(durable.cpuPerRunUs)} | ${fmt(durable.cpuPerRunUs / steps, 1)} | ${fmt(bytesPerRun)} | ${fmt(bytesPerRun / steps)} | ${fmt(durable.runsPerSecond)} | ${fmt(memory.runsPerSecond)} |`,
    );
  }
  console.log(`\nper-step durable CPU at 100 steps ÷ at 4 steps: ${((perStep[2] ?? 0) / (perStep[0] ?? 1)).toFixed(2)}× (target ≤ 1.5×)`);

  const big = { blob: "x".repeat(1_000_000) };
  const counting = countingStore();
  await measure(flowOf(4), 5, counting.store, big);
  console.log(`1 MB input, 4-step flow: ${fmt(counting.bytes() / 5 / 1_000_000, 2)} MB written per run`);
  await counting.dispose();
}
