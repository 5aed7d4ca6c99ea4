/**
 * The inspector's HTTP routes: the page, the run list (`/api/runs`, with search and pages of the
 * store), one run's view (`/api/runs/:key`) and its drawing with the path it took (`…/graph.svg`).
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { renderSvg } from "../../graph/render.js";
import { pageHtml } from "../page.js";
import { liveSummary } from "../views.js";
import { clientScript } from "./client-script.js";
import { send, sendJson } from "./respond.js";
import type { InspectorState } from "./state.js";

/** Stored runs listed at once, and per page of a search. */
export const STORED_LIST_LIMIT = 200;

/** Answers one (already authorized) request. */
export async function route(state: InspectorState, url: URL, response: ServerResponse): Promise<void> {
  const path = url.pathname;
  if (path === "/" || path === "/index.html") {
    const nonce = randomBytes(16).toString("base64");
    response.setHeader(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    return send(response, 200, "text/html; charset=utf-8", pageHtml(nonce, await clientScript()));
  }
  if (path === "/api/runs") {
    const { stored, registry } = state;
    const live = registry.list().map(liveSummary);
    const query = url.searchParams.get("q");
    const after = url.searchParams.get("after");
    if (stored && (query !== null || after !== null)) {
      // A search, or the pages beyond the newest: straight from the store, a page at a time.
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get("limit")) || STORED_LIST_LIMIT));
      const page = await stored.search(query ?? "", after ?? undefined, limit);
      return sendJson(response, { live, stored: state.storedList(page.runs), next: page.next ?? null, stats: state.stats() });
    }
    await stored?.refresh();
    return sendJson(response, { live, stored: state.storedList(), next: stored?.next ?? null, stats: state.stats() });
  }
  const match = /^\/api\/runs\/([^/]+)(\/graph\.svg)?$/.exec(path);
  if (match) {
    let key: string;
    try {
      key = decodeURIComponent(match[1]!);
    } catch {
      return send(response, 400, "text/plain; charset=utf-8", `Bad run key in ${path}: expected a percent-encoded run key`);
    }
    const found = await state.viewFor(key);
    if (!found) return send(response, 404, "text/plain; charset=utf-8", `No run "${key}"`);
    const { view, source } = found;
    if (!match[2]) return sendJson(response, view);
    if (!source) return send(response, 404, "text/plain; charset=utf-8", `No definition known for run "${key}"`);
    const { layout } = await source.draw();
    response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    const svg = renderSvg(layout, view.latest?.active ?? [], { title: view.summary.name, marks: view.latest?.marks ?? {} });
    return send(response, 200, "image/svg+xml; charset=utf-8", svg);
  }
  if (path === "/favicon.ico") return send(response, 204, "text/plain", "");
  return send(response, 404, "text/plain; charset=utf-8", "Not found");
}
