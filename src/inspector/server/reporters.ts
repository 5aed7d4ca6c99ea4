/** The reporter socket: one connection per `createWebSocketInspector`, each frame one inspection event. */
import type { RawData, WebSocket } from "ws";
import type { InspectorState } from "./state.js";

/** Takes a reporter's frames into the registry until it goes away (its unfinished runs are then `disconnected`). */
export function acceptReporter(state: InspectorState, ws: WebSocket): void {
  const connection = ++state.connections;
  state.reporters++;
  ws.on("message", (data: RawData) => state.registry.ingest(connection, textOf(data)));
  ws.on("error", (error: Error & { code?: string }) => {
    // ws refuses a frame over maxPayload by closing the connection; count it.
    if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") state.registry.counters.oversizedFrames++;
    ws.terminate();
  });
  ws.on("close", () => {
    state.reporters--;
    state.registry.disconnect(connection);
  });
}

/** A frame's text, whatever shape ws hands it over in. */
export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.from(data).toString("utf8");
}
