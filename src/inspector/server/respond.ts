/** Small helpers to answer HTTP requests, shared by the routes and the server. */
import type { ServerResponse } from "node:http";

export function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
  response.end(body);
}

export function sendJson(response: ServerResponse, value: unknown): void {
  send(response, 200, "application/json; charset=utf-8", JSON.stringify(value));
}

export function refuse(response: ServerResponse, status: 401 | 403): void {
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

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
