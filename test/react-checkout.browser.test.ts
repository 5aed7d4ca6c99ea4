import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLedger } from "../examples/server/disk-services.js";
import { startServer, type ServerProcess } from "./support/server-process.js";

const artifacts = fileURLToPath(new URL("./artifacts/", import.meta.url));
const example = fileURLToPath(new URL("../examples/react-checkout/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "orchestrix-checkout-"));
const outDir = join(dir, "site");
const data = join(dir, "data");
const steps = ["reserve-stock", "process-payment", "confirm-order", "send-email"];

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  // Chromium starts while the example is built: the test drives what `vite build` makes of it, served by the example server.
  const launching = chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    await build({ configFile: join(example, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
    server = await startServer({ ORDERS_DB: join(dir, "orders.db"), ORDERS_DATA: data, STATIC_DIR: outDir });
  } finally {
    browser = await launching;
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function open(mode: "server" | "browser"): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(`${server.url}/?mode=${mode}`);
  await page.getByRole("button", { name: /^Pay \$1250$/ }).waitFor();
  return { page, problems };
}

const badge = (page: Page, step: string) => page.locator(`li[data-step="${step}"] .badge`);

// The two modes run side by side, each on pages of its own (orders have random ids); a mode's tests run in turn.
for (const mode of ["server", "browser"] as const) {
  describe.concurrent(`the React checkout, saga ${mode === "server" ? "on the example server (useRemoteRun)" : "in the browser (useFlow)"}`, () => {
    it.sequential("pays: every step runs and completes", async () => {
      const { page, problems } = await open(mode);
      await page.getByRole("button", { name: /^Pay/ }).click();
      await page.getByText("Paid. Your order is confirmed.").waitFor({ timeout: 20_000 });
      for (const step of steps) expect(await badge(page, step).textContent()).toBe("done");
      await page.screenshot({ path: join(artifacts, `checkout-${mode}-paid.png`) });
      expect(problems).toEqual([]);
      await page.close();
    }, 40_000);

    it.sequential("with the failure switch on, retries the payment and releases the stock", async () => {
      const { page, problems } = await open(mode);
      await page.getByLabel("Make the payment fail").check();
      await page.getByRole("button", { name: /^Pay/ }).click();
      await page.waitForFunction(
        () => document.querySelector('li[data-step="process-payment"] .badge')?.textContent === "retrying 1 of 2",
        undefined,
        { timeout: 20_000, polling: 20 },
      );
      await page.screenshot({ path: join(artifacts, `checkout-${mode}-retrying.png`) });
      const outcome = page.getByTestId("outcome");
      await page.waitForFunction(() => document.querySelector('[data-testid="outcome"]')?.classList.contains("failed"), undefined, {
        timeout: 20_000,
      });
      expect(await outcome.textContent()).toBe("The payment failed (payment gateway timed out (ETIMEDOUT)). The reserved stock was released.");
      expect(await badge(page, "reserve-stock").textContent()).toBe("undone");
      expect(await badge(page, "process-payment").textContent()).toBe("failed after 3 attempts");
      expect(await badge(page, "confirm-order").textContent()).toBe("skipped");
      const orderId = (await page.locator("h2").textContent())!.replace("Order ", "");
      if (mode === "server") {
        const ledger = readLedger(data);
        expect(ledger.filter((line) => line.kind === "charge-request" && line.key === `${orderId}:process-payment`)).toHaveLength(3);
        expect(ledger.some((line) => line.kind === "release" && JSON.stringify(line.ids).includes(orderId))).toBe(true);
      } else {
        expect(await page.getByTestId("effects").textContent()).toMatch(/released res_\d+_LAPTOP-01, res_\d+_MOUSE-07/);
      }
      await page.screenshot({ path: join(artifacts, `checkout-${mode}-failed.png`) });
      expect(problems).toEqual([]);
      await page.close();
    }, 40_000);
  });
}
