/**
 * Stopping a reporter made with `createWebSocketInspector()` from `@statelyai/inspect` without losing
 * its last events. That reporter converts each event on a later macrotask, holds events back until its
 * socket is open, and its `stop()` closes the socket at once: a script that stops it right after a run
 * ends drops the run's final state, and the inspector shows the run as disconnected mid-way.
 */

/** What {@link stopReporter} needs of a reporter: `createWebSocketInspector()`'s return value has it. */
export interface StoppableReporter {
  adapter?: unknown;
  stop(): void;
}

/** The parts of @statelyai/inspect 0.7's WebSocket adapter that tell whether everything was written (private there). */
interface SocketAdapter {
  status?: unknown;
  ws?: { readyState?: number; bufferedAmount?: number; addEventListener?: (type: "close", listener: () => void) => void };
}

const OPEN = 1;
const CLOSED = 3;

/**
 * Waits until every event the reporter was given has been written to its socket, then stops it and
 * waits for the socket to close, so the inspector has received everything. Gives up waiting after
 * `timeoutMs` (an inspector that is not running never opens the socket) and stops the reporter anyway.
 * @example
 * const reporter = createWebSocketInspector({ url: "ws://127.0.0.1:4400" });
 * await flow.run(input, { inspect: reporter.inspect });
 * await stopReporter(reporter);
 */
export async function stopReporter(reporter: StoppableReporter, options: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  const adapter = (reporter.adapter ?? {}) as SocketAdapter;
  // Events handed over before this call are converted on timers that are already queued: let them run.
  await pause(0);
  while (Date.now() < deadline && adapter.ws !== undefined && !(adapter.status === "open" && (adapter.ws.bufferedAmount ?? 0) === 0)) {
    await pause(10);
  }
  const socket = adapter.ws;
  const closed =
    socket?.addEventListener && socket.readyState === OPEN
      ? new Promise<void>((resolve) => {
          socket.addEventListener?.("close", () => resolve());
          setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
        })
      : undefined;
  reporter.stop();
  if (closed && socket?.readyState !== CLOSED) await closed;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
