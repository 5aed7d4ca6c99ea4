/** Debian's chromium, driven by playwright-core (never a downloaded browser), for the page tests. */
import { mkdirSync } from "node:fs";
import { createWebSocketInspector } from "@statelyai/inspect";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { startInspector, type Inspector } from "../../src/inspector/index.js";

/** Where the page tests leave their screenshots. */
export const artifacts = new URL("../artifacts/", import.meta.url);

/** Launches headless chromium and makes sure test/artifacts/ exists. */
export function launchChromium(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Picks a run in the inspector's list and waits until its graph is drawn. */
export async function openRun(page: Page, runId: string): Promise<void> {
  await page.locator(`.run-item[data-name="${runId}"]`).click();
  await page.locator("#run-name", { hasText: runId }).waitFor();
  await page.locator("#graph svg.ox-graph").waitFor();
}

/** An inspector, the default reporter pointed at it, and its page open in chromium. */
export interface PageSession {
  inspector: Inspector;
  /** `createWebSocketInspector` with its defaults (definitions cut at depth 10). */
  reporter: ReturnType<typeof createWebSocketInspector>;
  browser: Browser;
  page: Page;
  /** Errors the page logged or threw. */
  problems: string[];
  close(): Promise<void>;
}

/** Starts an inspector and opens its page (1440×900), connected. */
export async function openInspectorPage(): Promise<PageSession> {
  const inspector = await startInspector({ port: 0 });
  const reporter = createWebSocketInspector({ url: inspector.reportUrl });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  // The page works offline: it asks nothing of any host but the inspectors on this one.
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.hostname !== "127.0.0.1") problems.push(`request to ${request.url()}`);
  });
  await page.goto(inspector.url);
  await page.locator("#connection.conn-on").waitFor();
  return {
    inspector,
    reporter,
    browser,
    page,
    problems,
    close: async () => {
      reporter.stop();
      await browser.close();
      await inspector.close();
    },
  };
}

/** Opens the inspector's page before the suite's tests and closes it after, failing on any page error in between. */
export function inspectorPageForSuite(): { readonly page: Page; readonly reporter: PageSession["reporter"] } {
  let session: PageSession | undefined;
  beforeAll(async () => {
    session = await openInspectorPage();
    expect(session.problems).toEqual([]);
  });
  afterAll(async () => {
    // Nothing the tests did made the page throw or log an error (a CSP refusal included).
    const problems = session?.problems ?? [];
    await session?.close();
    expect(problems).toEqual([]);
  });
  const current = () => {
    if (!session) throw new Error("The inspector page is opened in beforeAll");
    return session;
  };
  return {
    get page() {
      return current().page;
    },
    get reporter() {
      return current().reporter;
    },
  };
}
