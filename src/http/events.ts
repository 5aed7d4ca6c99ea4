import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunStore, ViewableFlow } from "orchestrix";
import { storedRunView } from "./view.js";

/** Options of {@link streamRunEvents}. */
export interface RunEventsOptions {
  store: RunStore;
  runId: string;
  /** The run's flow: its steps' `maxAttempts` are then part of each view. */
  flow?: ViewableFlow;
  /** How often the store is read for a new transition. @default 200 */
  pollMs?: number;
  /** How often a comment keeps an idle connection open through proxies. @default 15000 */
  heartbeatMs?: number;
  /** The `retry:` the client is told to wait before reconnecting. @default 1000 */
  retryMs?: number;
}

const FINAL = new Set(["completed", "failed", "cancelled", "compensation_failed"]);

/**
 * Serves a run's progress as Server-Sent Events. Each event is `event: view`, `id:` the record's
 * `seq`, and the whole view as data, so an event stream is resumable with `Last-Event-ID`: a
 * reconnect gets the current view at once if anything happened since that id, and nothing twice.
 * The stream ends after the view of the ended run; a reconnect after that gets 204, which tells
 * an EventSource to stop. Progress is read from the store, so it shows runs of any process.
 * Resolves when the stream has ended.
 */
export async function streamRunEvents(request: IncomingMessage, response: ServerResponse, options: RunEventsOptions): Promise<void> {
  const { store, runId, flow, pollMs = 200, heartbeatMs = 15_000, retryMs = 1000 } = options;
  const header = request.headers["last-event-id"];
  const lastId = Number(Array.isArray(header) ? header[0] : header);
  let sent = Number.isFinite(lastId) ? lastId : -1;

  const first = await store.load(runId);
  if (!first) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`No run "${runId}"`);
    return;
  }
  if (FINAL.has(first.status) && first.seq <= sent) {
    response.writeHead(204).end();
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
  response.write(`retry: ${retryMs}\n\n`);

  let closed = false;
  let ended: () => void = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), heartbeatMs);
  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearInterval(heartbeat);
    response.end();
    ended();
  };
  return new Promise<void>((resolve) => {
    ended = resolve;
    request.on("close", finish);
    const send = (event: string, id: number | undefined, data: string) => {
      response.write(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
    };
    let record: typeof first | undefined = first;
    const tick = async () => {
      if (closed) return;
      try {
        record ??= await store.load(runId);
        if (closed) return;
        if (!record) {
          send("problem", undefined, JSON.stringify(`Run "${runId}" is no longer in the store`));
          return finish();
        }
        if (record.seq > sent) {
          const reading = storedRunView(record, flow);
          if (!reading.ok) {
            send("problem", undefined, JSON.stringify(reading.problem));
            return finish();
          }
          send("view", record.seq, JSON.stringify(reading.view));
          sent = record.seq;
        }
        if (FINAL.has(record.status)) return finish();
      } catch (error) {
        send("problem", undefined, JSON.stringify(`Reading run "${runId}" failed: ${error instanceof Error ? error.message : String(error)}`));
        return finish();
      }
      record = undefined;
      timer = setTimeout(() => void tick(), pollMs);
    };
    void tick();
  });
}
