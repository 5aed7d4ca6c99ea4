/**
 * The order service: POST /orders starts the checkout saga durably (the order id is the run id,
 * so repeating the POST never starts a second run nor charges twice), GET /orders/:id is the run's
 * view, POST /orders/:id/cancel cancels it, GET /orders/:id/events streams its progress as
 * Server-Sent Events (resumable with Last-Event-ID). Optionally serves the built React checkout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { FlowAlreadyRunningError, readFlowSnapshot, resumeAll, type ResumedRuns, type RunOptions, type RunStore } from "orchestrix";
import { sendJson, sendRunView, streamRunEvents } from "orchestrix/http";
import { CheckoutSchema, createCheckoutFlow, type CheckoutInput, type CheckoutServices } from "../checkout/flow.js";

/** What the order service needs. */
export interface OrderServiceOptions {
  store: RunStore;
  services: CheckoutServices;
  /** A folder of static files to serve at / (the built React checkout). */
  staticDir?: string;
  /** Passed to each run's lease. */
  leaseMs?: number;
  /** Reports every run to an inspector, e.g. `createWebSocketInspector({ url }).inspect` for `orchestrix inspect`. */
  inspect?: RunOptions["inspect"];
}

/** The order service: its HTTP server, and the resumption of the runs a previous process left. */
export interface OrderService {
  server: Server;
  /** Resumes every unfinished order (call once on start). */
  resumeUnfinished(): Promise<ResumedRuns>;
}

const BODY_LIMIT = 64 * 1024;
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new BadRequest(413, `The body is larger than ${BODY_LIMIT} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest(400, "The body is not JSON");
  }
}

/** JSON with its object keys sorted, to compare two inputs whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Builds the order service over a store and the checkout services. */
export function createOrderService(options: OrderServiceOptions): OrderService {
  const { store, services, staticDir, leaseMs, inspect } = options;
  const flow = createCheckoutFlow(services);
  // One controller per run live in this process: aborting it cancels the run.
  const controllers = new Map<string, AbortController>();
  const controllerFor = (runId: string) => {
    let controller = controllers.get(runId);
    if (!controller) controllers.set(runId, (controller = new AbortController()));
    return controller;
  };
  const track = (runId: string, result: Promise<unknown>) => {
    result.then(
      () => controllers.delete(runId),
      (error: unknown) => {
        controllers.delete(runId);
        console.error(`order ${runId}: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  };
  const runOptions = { ...(leaseMs === undefined ? {} : { leaseMs }), ...(inspect ? { inspect } : {}) };

  async function postOrder(request: IncomingMessage, response: ServerResponse) {
    const body = await readJson(request);
    const checked = await CheckoutSchema["~standard"].validate(body);
    if (checked.issues) {
      return sendJson(response, 400, { error: "The order is not valid", issues: checked.issues });
    }
    const input: CheckoutInput = checked.value;
    const runId = input.orderId;
    const existing = await store.load(runId);
    if (existing) {
      const reading = readFlowSnapshot(existing.snapshot);
      if (reading.ok && canonical(reading.snapshot.context.input) !== canonical(input)) {
        return sendJson(response, 409, { error: `Order "${runId}" exists with other contents`, runId });
      }
      return sendJson(response, 200, { runId, status: existing.status, existing: true });
    }
    try {
      const handle = flow.start(input, { store, runId, signal: controllerFor(runId).signal, ...runOptions });
      track(runId, handle.result);
    } catch (error) {
      // The same order posted twice at once: the first POST started it.
      if (error instanceof FlowAlreadyRunningError) return sendJson(response, 200, { runId, status: "running", existing: true });
      throw error;
    }
    response.setHeader("location", `/orders/${encodeURIComponent(runId)}`);
    sendJson(response, 202, { runId, status: "running" });
  }

  async function cancelOrder(runId: string, response: ServerResponse) {
    const controller = controllers.get(runId);
    if (controller) {
      controller.abort("cancelled by the customer");
      return sendJson(response, 202, { runId, cancelling: true });
    }
    const record = await store.load(runId);
    if (!record) return sendJson(response, 404, { error: `No order "${runId}"` });
    sendJson(response, 409, { error: `Order "${runId}" is ${record.status === "running" ? "run by another process" : record.status}`, status: record.status });
  }

  async function serveStatic(path: string, response: ServerResponse) {
    if (!staticDir) return sendJson(response, 404, { error: "Not found" });
    const relative = normalize(decodeURIComponent(path === "/" ? "/index.html" : path)).replace(/^([/\\])+/, "");
    const file = join(staticDir, relative);
    if (relative.startsWith("..") || !file.startsWith(normalize(staticDir + sep))) return sendJson(response, 404, { error: "Not found" });
    try {
      const content = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(content);
    } catch {
      sendJson(response, 404, { error: "Not found" });
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = request.method ?? "GET";
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "orders") {
      const [, id, action] = parts;
      if (parts.length === 1 && method === "POST") return postOrder(request, response);
      if (id !== undefined && parts.length === 2 && method === "GET") return sendRunView(response, store, id, flow);
      if (id !== undefined && action === "events" && parts.length === 3 && method === "GET") {
        return streamRunEvents(request, response, { store, runId: id, flow });
      }
      if (id !== undefined && action === "cancel" && parts.length === 3 && method === "POST") return cancelOrder(id, response);
      return sendJson(response, 405, { error: `${method} ${url.pathname} is not a route of this service` });
    }
    if (method === "GET") return serveStatic(url.pathname, response);
    sendJson(response, 404, { error: "Not found" });
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      if (error instanceof BadRequest) return sendJson(response, error.status, { error: error.message });
      console.error(error);
      sendJson(response, 500, { error: "Internal error" });
    });
  });

  return {
    server,
    async resumeUnfinished() {
      const resumable = {
        name: flow.name,
        definitionHash: flow.definitionHash,
        resume: (runId: string, resumeOptions: Parameters<typeof flow.resume>[1]) =>
          flow.resume(runId, { ...resumeOptions, signal: controllerFor(runId).signal }),
      };
      const outcome = await resumeAll({ store, flows: [resumable], ...runOptions });
      for (const run of outcome.resumed) track(run.runId, run.result);
      return outcome;
    },
  };
}
