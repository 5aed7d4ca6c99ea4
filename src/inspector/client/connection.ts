/** The page's socket to the inspector (`/ui`): typed messages both ways, reconnecting after a second when it drops. */
import type { PageMessage, ServerMessage } from "../page-protocol.js";

/** What a connection tells the page. */
export interface ConnectionEvents {
  /** Connected (again): the server knows nothing of this page yet. */
  open(): void;
  /** The connection dropped; a new one is tried in a second. */
  close(): void;
  message(message: ServerMessage): void;
}

/** The socket to the inspector, kept open. */
export class Connection {
  private socket: WebSocket | null = null;

  constructor(
    private readonly url: string,
    private readonly on: ConnectionEvents,
  ) {}

  /** Opens the socket (and again each time it closes). */
  connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => this.on.open());
    socket.addEventListener("close", () => {
      this.on.close();
      setTimeout(() => this.connect(), 1000);
    });
    socket.addEventListener("message", (event: MessageEvent<unknown>) => {
      if (typeof event.data !== "string") return;
      // The page's own server: its messages are the protocol's (a frame of another type is skipped).
      const message = JSON.parse(event.data) as ServerMessage;
      if (typeof message === "object" && message !== null && typeof message.type === "string") this.on.message(message);
    });
  }

  /** Sends a message when connected; while reconnecting it is dropped (the page asks again once open). */
  send(message: PageMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
