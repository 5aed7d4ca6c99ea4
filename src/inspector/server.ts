/**
 * The local inspector: an HTTP + WebSocket server that accepts what `createWebSocketInspector()`
 * from `@statelyai/inspect` sends, keeps it per run (bounded), and serves a page that shows runs live.
 * This file wires the parts: `server/routes.ts` (HTTP), `server/reporters.ts` (the reporter socket),
 * `server/pages.ts` (the page sessions), around the shared `server/state.ts`.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { RunStore } from "orchestrix";
import { workerLayout } from "../graph/worker.js";
import { Definitions, type InspectableFlow } from "./definitions.js";
import { RunRegistry } from "./runs.js";
import {
  assertSafeBinding,
  crossSite,
  hostAllowed,
  normalizeOrigin,
  originAllowed,
  sameOrigin,
  tokenOf,
  tokensMatch,
} from "./security.js";
import { PageSessions } from "./server/pages.js";
import { acceptReporter } from "./server/reporters.js";
import { messageOf, refuse, send } from "./server/respond.js";
import { route, STORED_LIST_LIMIT } from "./server/routes.js";
import { InspectorState, type InspectorStats } from "./server/state.js";
import { StoredRuns } from "./stored-runs.js";
import { liveSummary, type RunSummary, type RunView } from "./views.js";

export type { InspectorStats } from "./server/state.js";

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
  /**
   * Browser origins whose pages may report runs (e.g. a dev server, `"http://localhost:5173"`). Node
   * reporters send no `Origin` and are always accepted; a browser page of any other site is refused.
   */
  allowOrigins?: readonly string[];
  /** A reporter frame larger than this is refused and its connection closed. @default 4 MiB */
  maxFrameBytes?: number;
  /** Text kept per run; beyond it the oldest events are dropped and the run says it was truncated. @default 16 MiB */
  maxBytesPerRun?: number;
  /** Text kept for all live runs; beyond it the oldest runs are evicted. @default 256 MiB */
  maxTotalBytes?: number;
  /** A reported machine definition larger than this is not drawn. @default 2 MiB */
  maxDefinitionBytes?: number;
  /** A graph layout (run in a worker thread) taking longer than this is stopped and not drawn. @default 10000 */
  layoutTimeoutMs?: number;
}

const MiB = 1024 * 1024;

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
  const maxFrameBytes = options.maxFrameBytes ?? 4 * MiB;
  const maxBytesPerRun = options.maxBytesPerRun ?? 16 * MiB;
  const maxTotalBytes = options.maxTotalBytes ?? 256 * MiB;
  const maxDefinitionBytes = options.maxDefinitionBytes ?? 2 * MiB;
  const layoutTimeoutMs = options.layoutTimeoutMs ?? 10_000;
  checkCount("maxFrameBytes", maxFrameBytes, 1024);
  checkCount("maxBytesPerRun", maxBytesPerRun, 1024);
  checkCount("maxTotalBytes", maxTotalBytes, maxBytesPerRun);
  checkCount("maxDefinitionBytes", maxDefinitionBytes, 1);
  checkCount("layoutTimeoutMs", layoutTimeoutMs, 1);
  const allowOrigins = new Set<string>();
  for (const origin of options.allowOrigins ?? []) {
    const normalized = typeof origin === "string" ? normalizeOrigin(origin) : null;
    if (normalized === null) throw new TypeError(`Expected \`allowOrigins\` to hold origins such as "http://localhost:5173", got ${JSON.stringify(origin)}`);
    allowOrigins.add(normalized);
  }
  assertSafeBinding(host, token);

  const definitions = new Definitions(options.flows ?? [], { draw: workerLayout({ timeoutMs: layoutTimeoutMs }), maxDefinitionBytes });
  const registry = new RunRegistry({ maxEventsPerRun, maxRuns, maxBytesPerRun, maxTotalBytes }, definitions);
  const stored = store ? new StoredRuns(store, STORED_LIST_LIMIT) : null;
  const state = new InspectorState(registry, definitions, stored);
  const pages = new PageSessions(state, { limits: { maxEventsPerRun, maxRuns, maxBytesPerRun }, store: stored !== null });

  const authorize = (request: IncomingMessage, url: URL): 401 | 403 | null => {
    if (token !== undefined) return tokensMatch(tokenOf(request, url), token) ? null : 401;
    return hostAllowed(request) ? null : 403;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://inspector.invalid");
    // Another site's page must not read runs through the API (its data), nor embed its drawings.
    const denied = authorize(request, url) ?? (url.pathname.startsWith("/api/") && crossSite(request, allowOrigins) ? 403 : null);
    if (denied) return refuse(response, denied);
    route(state, url, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", `Inspector error: ${messageOf(error)}`);
      else response.destroy();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: maxFrameBytes });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const url = new URL(request.url ?? "/", "http://inspector.invalid");
    // The page's socket only from the page itself; reporters from Node (no Origin) or an allowed origin.
    const foreign = url.pathname === "/ui" ? !sameOrigin(request) : !originAllowed(request, allowOrigins);
    const denied = authorize(request, url) ?? (foreign ? 403 : null);
    if (denied) {
      const reason = denied === 401 ? "Unauthorized" : "Forbidden";
      socket.end(`HTTP/1.1 ${denied} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => (url.pathname === "/ui" ? pages.accept(ws) : acceptReporter(state, ws)));
  });

  const flushTimer = setInterval(() => pages.flushAll(), FLUSH_MS);
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
    runs: (): RunSummary[] => registry.list().map(liveSummary),
    run: (keyOrRunId): RunView | undefined => {
      const run = state.find(keyOrRunId);
      return run && state.viewOf(run);
    },
    stats: (): InspectorStats => state.stats(),
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

function checkCount(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}
