/**
 * The local inspector: an HTTP + WebSocket server that accepts what `createWebSocketInspector()`
 * from `@statelyai/inspect` sends, keeps it per run (bounded), and serves a page that shows runs live.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { RunStore, RunSummary as StoredRunSummary } from "orchestrix";
import { Definitions, type GraphSource, type InspectableFlow } from "./definitions.js";
import { renderSvg } from "./graph-svg.js";
import { pageHtml } from "./page.js";
import { RunRegistry, type IngestCounters, type LiveRun } from "./runs.js";
import { assertSafeBinding, hostAllowed, sameOrigin, tokenOf, tokensMatch } from "./security.js";
import {
  StoredRuns,
  graphFor,
  liveSummary,
  liveView,
  pointDetail,
  storedSummary,
  storedView,
  type RunSummary,
  type RunView,
} from "./views.js";

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** Port to listen on; `0` picks a free one (see `inspector.port`). @default 4400 */
  port?: number;
  /** Address to bind. Anything but loopback needs a `token`. @default "127.0.0.1" */
  host?: string;
  /** Required on every request and socket, as `?token=…` or `Authorization: Bearer …`. */
  token?: string;
  /** Shows the store's runs next to the live ones. */
  store?: RunStore;
  /** Flows whose complete definitions draw their runs (stored runs of flows not seen live need this). */
  flows?: readonly InspectableFlow[];
  /** Events kept per run; beyond it the oldest are dropped (and counted). @default 1000 */
  maxEventsPerRun?: number;
  /**
   * Finished runs kept; beyond it the oldest are evicted (and counted). Live runs are kept until they
   * finish, up to 10 × `maxRuns`. @default 500
   */
  maxRuns?: number;
}

/** Counters of a running inspector. */
export interface InspectorStats extends IngestCounters {
  /** Live runs held now. */
  runs: number;
  /** Connected reporters (`createWebSocketInspector` sockets). */
  reporters: number;
  /** Open inspector pages. */
  pages: number;
  /** Why the last store listing failed, if it did. */
  storeError: string | null;
}

/** A running inspector, with a small read API over what it received. */
export interface Inspector {
  /** The page's address (with `?token=` when there is one). */
  readonly url: string;
  /** The address to give `createWebSocketInspector({ url })`. */
  readonly reportUrl: string;
  readonly host: string;
  readonly port: number;
  /** Live runs, newest first. */
  runs(): RunSummary[];
  /** The detailed view of a live run (by `key`, or by Orchestrix run id). */
  run(keyOrRunId: string): RunView | undefined;
  /** Counters: events received, dropped, runs evicted… */
  stats(): InspectorStats;
  /** Closes every socket and stops listening. */
  close(): Promise<void>;
}

const FLUSH_MS = 200;
const STORE_REFRESH_MS = 2000;
const STORED_LIST_LIMIT = 200;
const PAGE_LIST_LIMIT = 300;
/** A page that cannot keep up is skipped until its socket drains; what it missed is sent whole afterwards. */
const PAGE_BACKLOG_BYTES = 4 * 1024 * 1024;

interface PageClient {
  socket: WebSocket;
  selected: string | null;
  sentList: string;
  sentRun: string;
  graphs: Set<string>;
}

/**
 * Starts the local inspector: point any XState actor (every Orchestrix run) at it with
 * `createWebSocketInspector({ url: inspector.reportUrl })`, and open `inspector.url`.
 * @example
 * const inspector = await startInspector({ store });
 * await flow.run(input, { inspect: createWebSocketInspector({ url: inspector.reportUrl }).inspect });
 */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4400;
  const { token, store } = options;
  const maxEventsPerRun = options.maxEventsPerRun ?? 1000;
  const maxRuns = options.maxRuns ?? 500;
  checkCount("port", port, 0, 65535);
  checkCount("maxEventsPerRun", maxEventsPerRun, 1);
  checkCount("maxRuns", maxRuns, 1);
  assertSafeBinding(host, token);

  const definitions = new Definitions(options.flows ?? []);
  const registry = new RunRegistry({ maxEventsPerRun, maxRuns }, definitions);
  const stored = store ? new StoredRuns(store, STORED_LIST_LIMIT) : null;
  const pages = new Set<PageClient>();
  let reporters = 0;
  let connections = 0;

  const stats = (): InspectorStats => ({
    ...registry.counters,
    runs: registry.size,
    reporters,
    pages: pages.size,
    storeError: stored?.error ?? null,
  });

  const find = (keyOrRunId: string): LiveRun | undefined => registry.get(keyOrRunId) ?? registry.withRunId(keyOrRunId);
  const graphOfLive = (run: LiveRun): GraphSource | null => graphFor(definitions, run.definitionHash, run.machineId, run.graph);
  const graphOfStored = (record: StoredRunSummary): GraphSource | null => graphFor(definitions, record.definitionHash, record.flow, null);
  const isStored = (run: LiveRun) => run.runId !== null && stored?.records.some((record) => record.runId === run.runId) === true;
  const viewOf = (run: LiveRun) => liveView(run, graphOfLive(run), isStored(run));

  const storedList = (): RunSummary[] => {
    if (!stored) return [];
    return stored.records.filter((record) => !registry.withRunId(record.runId)).map(storedSummary);
  };

  const authorize = (request: IncomingMessage, url: URL): 401 | 403 | null => {
    if (token !== undefined) return tokensMatch(tokenOf(request, url), token) ? null : 401;
    return hostAllowed(request) ? null : 403;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://inspector.invalid");
    const denied = authorize(request, url);
    if (denied) return refuse(response, denied);
    handleHttp(url, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", `Inspector error: ${messageOf(error)}`);
      else response.destroy();
    });
  });

  async function handleHttp(url: URL, response: ServerResponse): Promise<void> {
    const path = url.pathname;
    if (path === "/" || path === "/index.html") {
      const nonce = randomBytes(16).toString("base64");
      response.setHeader(
        "Content-Security-Policy",
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      );
      return send(response, 200, "text/html; charset=utf-8", pageHtml(nonce));
    }
    if (path === "/api/runs") {
      await stored?.refresh();
      return sendJson(response, { live: registry.list().map(liveSummary), stored: storedList(), stats: stats() });
    }
    const match = /^\/api\/runs\/([^/]+)(\/graph\.svg)?$/.exec(path);
    if (match) {
      let key: string;
      try {
        key = decodeURIComponent(match[1]!);
      } catch {
        return send(response, 400, "text/plain; charset=utf-8", `Bad run key in ${path}: expected a percent-encoded run key`);
      }
      const view = await viewFor(key);
      if (!view) return send(response, 404, "text/plain; charset=utf-8", `No run "${key}"`);
      if (!match[2]) return sendJson(response, view);
      const source = view.graph ? graphSource(key) : null;
      if (!source) return send(response, 404, "text/plain; charset=utf-8", `No definition known for run "${key}"`);
      const { layout } = await source.draw();
      response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
      return send(response, 200, "image/svg+xml; charset=utf-8", renderSvg(layout, view.latest?.active ?? [], { title: view.summary.name }));
    }
    if (path === "/favicon.ico") return send(response, 204, "text/plain", "");
    return send(response, 404, "text/plain; charset=utf-8", "Not found");
  }

  async function viewFor(key: string): Promise<RunView | undefined> {
    const run = find(key);
    if (run) return viewOf(run);
    if (!stored || !key.startsWith("store:")) return undefined;
    const record = await stored.store.load(key.slice("store:".length));
    return record && storedView(record, graphOfStored(record));
  }

  function graphSource(key: string): GraphSource | null {
    const run = find(key);
    if (run) return graphOfLive(run);
    const record = stored?.records.find((candidate) => `store:${candidate.runId}` === key);
    return record ? graphOfStored(record) : null;
  }

  const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 32 * 1024 * 1024 });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(request.url ?? "/", "http://inspector.invalid");
    const denied = authorize(request, url) ?? (url.pathname === "/ui" && !sameOrigin(request) ? 403 : null);
    if (denied) {
      const reason = denied === 401 ? "Unauthorized" : "Forbidden";
      socket.end(`HTTP/1.1 ${denied} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => (url.pathname === "/ui" ? acceptPage(ws) : acceptReporter(ws)));
  });

  function acceptReporter(ws: WebSocket): void {
    const connection = ++connections;
    reporters++;
    ws.on("message", (data: RawData) => registry.ingest(connection, textOf(data)));
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      reporters--;
      registry.disconnect(connection);
    });
  }

  function acceptPage(ws: WebSocket): void {
    const page: PageClient = { socket: ws, selected: null, sentList: "", sentRun: "", graphs: new Set() };
    pages.add(page);
    ws.on("error", () => ws.terminate());
    ws.on("close", () => pages.delete(page));
    ws.on("message", (data: RawData) => {
      let message: unknown;
      try {
        message = JSON.parse(textOf(data));
      } catch {
        return;
      }
      onPageMessage(page, message).catch((error: unknown) => sendTo(page, { type: "error", message: messageOf(error) }));
    });
    sendTo(page, { type: "hello", limits: { maxEventsPerRun, maxRuns }, store: stored !== null });
    void stored?.refresh().then(() => flushPage(page));
    flushPage(page);
  }

  async function onPageMessage(page: PageClient, message: unknown): Promise<void> {
    if (!isRecord(message)) return;
    if (message.type === "select" && typeof message.key === "string") {
      page.selected = message.key;
      page.sentRun = "";
      await sendSelected(page);
    } else if (message.type === "point" && typeof message.key === "string" && typeof message.seq === "number") {
      const run = find(message.key);
      const point = run?.snapshotAt(message.seq);
      if (run && point) {
        sendTo(page, {
          type: "point",
          key: message.key,
          detail: pointDetail(run.machineId, point.seq, point.snapshot.value, point.snapshot.context),
        });
      }
    } else if (message.type === "refresh") {
      await stored?.refresh();
      flushPage(page);
    }
  }

  async function sendSelected(page: PageClient): Promise<void> {
    const key = page.selected;
    if (key === null) return;
    const run = find(key);
    if (run) {
      const version = `live:${run.key}:${run.version}:${stored?.version ?? 0}`;
      if (page.sentRun === version) return;
      page.sentRun = version;
      const view = viewOf(run);
      sendTo(page, { type: "run", view });
      sendGraph(page, graphOfLive(run));
      return;
    }
    if (stored && key.startsWith("store:")) {
      const runId = key.slice("store:".length);
      const known = stored.records.find((record) => record.runId === runId);
      const version = `stored:${runId}:${known?.seq ?? "?"}`;
      if (page.sentRun === version) return;
      page.sentRun = version;
      const record = await stored.store.load(runId);
      if (page.selected !== key) return;
      if (!record) return sendTo(page, { type: "gone", key });
      sendTo(page, { type: "run", view: storedView(record, graphOfStored(record)) });
      sendGraph(page, graphOfStored(record));
      return;
    }
    if (page.sentRun !== `gone:${key}`) {
      page.sentRun = `gone:${key}`;
      sendTo(page, { type: "gone", key });
    }
  }

  function sendGraph(page: PageClient, source: GraphSource | null): void {
    if (!source || page.graphs.has(source.id)) return;
    page.graphs.add(source.id);
    source.draw().then(
      ({ layout, svg }) =>
        sendTo(page, { type: "graph", id: source.id, machineId: source.machineId, svg, truncated: layout.truncated, complete: source.complete }),
      (error: unknown) => sendTo(page, { type: "graph", id: source.id, machineId: source.machineId, error: messageOf(error) }),
    );
  }

  let listCache: { version: string; text: string } | null = null;
  function listMessage(): { version: string; text: string } {
    const version = `${registry.version}:${stored?.version ?? 0}:${pages.size}:${reporters}`;
    if (listCache?.version !== version) {
      // The page lists the newest runs; the rest are counted (and reachable by the read API).
      const live = registry.list();
      const text = JSON.stringify({
        type: "runs",
        live: live.slice(0, PAGE_LIST_LIMIT).map(liveSummary),
        liveTotal: live.length,
        stored: storedList(),
        stats: stats(),
      });
      listCache = { version, text };
    }
    return listCache;
  }

  function flushPage(page: PageClient): void {
    if (page.socket.readyState !== page.socket.OPEN || page.socket.bufferedAmount > PAGE_BACKLOG_BYTES) return;
    const list = listMessage();
    if (page.sentList !== list.version) {
      page.sentList = list.version;
      page.socket.send(list.text);
    }
    sendSelected(page).catch((error: unknown) => sendTo(page, { type: "error", message: messageOf(error) }));
  }

  const flushTimer = setInterval(() => {
    for (const page of pages) flushPage(page);
  }, FLUSH_MS);
  flushTimer.unref();
  const storeTimer = setInterval(() => {
    if (pages.size > 0) void stored?.refresh();
  }, STORE_REFRESH_MS);
  storeTimer.unref();

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      clearInterval(flushTimer);
      clearInterval(storeTimer);
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Cannot start the inspector: ${host}:${port} is already in use (pass another { port }, or 0 for any free one)`, {
              cause: error,
            })
          : error,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });

  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  // A wildcard bind is reached on loopback; any other address is shown as it was given.
  const bare = host.replace(/^\[|\]$/g, "");
  const shownHost = bare === "0.0.0.0" ? "127.0.0.1" : bare === "::" ? "[::1]" : bare.includes(":") ? `[${bare}]` : bare;
  const query = token === undefined ? "" : `?token=${encodeURIComponent(token)}`;

  return {
    url: `http://${shownHost}:${boundPort}/${query}`,
    reportUrl: `ws://${shownHost}:${boundPort}/${query}`,
    host,
    port: boundPort,
    runs: () => registry.list().map(liveSummary),
    run: (keyOrRunId) => {
      const run = find(keyOrRunId);
      return run && viewOf(run);
    },
    stats,
    close: async () => {
      clearInterval(flushTimer);
      clearInterval(storeTimer);
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendTo(page: PageClient, message: unknown): void {
  if (page.socket.readyState === page.socket.OPEN) page.socket.send(JSON.stringify(message));
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
  response.end(body);
}

function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, "application/json; charset=utf-8", JSON.stringify(value));
}

function refuse(response: ServerResponse, status: 401 | 403): void {
  const body =
    status === 401
      ? "Unauthorized: this inspector needs its token, as ?token=… or an Authorization: Bearer … header\n"
      : "Forbidden: without a token the inspector only answers requests addressed to localhost\n";
  response.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    ...(status === 401 ? { "WWW-Authenticate": 'Bearer realm="orchestrix-inspector"' } : {}),
  });
  response.end(body);
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.from(data).toString("utf8");
}

function checkCount(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
