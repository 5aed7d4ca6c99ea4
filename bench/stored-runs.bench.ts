/**
 * 100k stored runs in SQLite: how long `orchestrix runs list` takes for its first page and the next
 * (`--after`), what a store listing costs in process, and how soon the inspector's page shows the
 * stored runs (first paint in Chromium), with how long one incremental refresh holds the server.
 *
 * Usage: npx tsx bench/stored-runs.bench.ts [--runs=100000] [--keep=/path/runs.db]
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import type { RunRecord } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { startInspector } from "../src/inspector/index.js";
import { StoredRuns } from "../src/inspector/stored-runs.js";
import { describeEnvironment } from "./environment.js";
import { markdownTable } from "./table.js";

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const total = Number(option("runs", "100000"));
const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

const dir = mkdtempSync(join(tmpdir(), "orchestrix-100k-"));
const db = option("keep", join(dir, "runs.db"));
const statuses = ["completed", "completed", "completed", "failed", "running"] as const;

if (!existsSync(db)) {
  const store = sqliteStore({ path: db, synchronous: "normal" });
  const started = performance.now();
  const base = Date.now() - total * 10;
  // A realistic snapshot size (a few KB), so listing would pay for reading snapshots if it did.
  const snapshot = { status: "done", value: "completed", context: { input: { orderId: "x".repeat(64) }, outputs: { pad: "y".repeat(2000) } } };
  for (let offset = 0; offset < total; offset += 1000) {
    const batch: Promise<void>[] = [];
    for (let i = offset; i < Math.min(total, offset + 1000); i++) {
      const record: RunRecord = {
        runId: `run-${String(i).padStart(6, "0")}`,
        flow: i % 10 === 0 ? "refund" : "payment-saga",
        version: null,
        definitionHash: "0000000000000000",
        inputHash: "0",
        status: statuses[i % statuses.length]!,
        seq: 1,
        currentStep: null,
        attempts: 0,
        lastError: i % 5 === 3 ? "card declined" : null,
        owner: null,
        fence: 1,
        leaseUntil: null,
        createdAt: base + i * 10,
        updatedAt: base + i * 10,
        snapshot,
      };
      batch.push(store.create(record));
    }
    await Promise.all(batch);
  }
  await store.close();
  console.error(`created ${total} runs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const at = performance.now();
  const value = await work();
  return { ms: performance.now() - at, value };
}

const cli = (...args: string[]) => run(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { cwd: root, maxBuffer: 64 << 20 });
const rows: string[][] = [];

// The CLI, as a person runs it (a fresh Node process each time: startup included).
const baseline = await timed(() => cli("--version"));
const first = await timed(() => cli("runs", "list", "--store", `sqlite:${db}`));
const cursor = /--after (\S+)/.exec(first.value.stdout)?.[1];
const next = await timed(() => cli("runs", "list", "--store", `sqlite:${db}`, "--after", cursor!));
const failed = await timed(() => cli("runs", "list", "--store", `sqlite:${db}`, "--status", "failed", "--json"));
rows.push(["`orchestrix --version` (Node + CLI start-up, for reference)", baseline.ms.toFixed(0)]);
rows.push(["`runs list` first page (50)", first.ms.toFixed(0)]);
rows.push(["`runs list --after <cursor>` next page (50)", next.ms.toFixed(0)]);
rows.push(["`runs list --status failed --json` (50)", failed.ms.toFixed(0)]);

// In process: what one listing costs the store.
const store = sqliteStore({ path: db });
await store.list({ limit: 200 });
const page200 = await timed(() => store.list({ limit: 200 }));
const deep = await timed(async () => {
  let after: string | undefined;
  for (let i = 0; i < 50; i++) after = (await store.list({ limit: 200, ...(after ? { after } : {}) })).next;
  return after;
});
rows.push(["store.list({ limit: 200 }), in process", page200.ms.toFixed(1)]);
rows.push(["store.list, page 50 of 200 (after 49 pages), per page", (deep.ms / 50).toFixed(1)]);

// The inspector: incremental refresh, /api/runs, and the page's first paint.
const stored = new StoredRuns(store, 200);
await stored.refresh();
const refresh = await timed(() => stored.refresh());
rows.push(["inspector refresh with nothing changed (updatedAfter)", refresh.ms.toFixed(1)]);
const inspector = await startInspector({ port: 0, store });
const api = await timed(async () => (await fetch(`http://127.0.0.1:${inspector.port}/api/runs`)).json());
rows.push(["`GET /api/runs` (newest 200 stored), first request", api.ms.toFixed(1)]);
const again = await timed(async () => (await fetch(`http://127.0.0.1:${inspector.port}/api/runs`)).json());
rows.push(["`GET /api/runs` again (incremental refresh)", again.ms.toFixed(1)]);
const search = await timed(async () => (await fetch(`http://127.0.0.1:${inspector.port}/api/runs?q=status:failed`)).json());
rows.push(["`GET /api/runs?q=status:failed`", search.ms.toFixed(1)]);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto("about:blank");
// Run from the sources, the first page request bundles the page's script (the package reads it built).
const bundled = await timed(async () => (await fetch(inspector.url)).text());
rows.push(["first page request from the sources (bundles the page's script)", bundled.ms.toFixed(0)]);
const served = await timed(async () => (await fetch(inspector.url)).text());
rows.push([`page request (HTML with its inlined script, ${Math.round(served.value.length / 1024)} KB)`, served.ms.toFixed(1)]);
const paint = await timed(async () => {
  await page.goto(inspector.url);
  await page.locator(".run-item").first().waitFor();
});
rows.push(["inspector page: navigation to first stored run listed (Chromium)", paint.ms.toFixed(0)]);
await browser.close();
await inspector.close();
await store.close();
if (!argv.some((arg) => arg.startsWith("--keep="))) rmSync(dir, { recursive: true, force: true });

console.log(`## Stored runs: ${total.toLocaleString("en")} runs in SQLite\n`);
const environment = describeEnvironment();
console.log(`${environment.cpuCount} × ${environment.cpuModel}, Node ${environment.node}\n`);
console.log(markdownTable(["what", "ms"], rows));
