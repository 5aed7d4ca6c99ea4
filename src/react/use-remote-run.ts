import { useCallback, useEffect, useMemo, useState } from "react";
import type { RunView } from "orchestrix";
import { useView } from "./selector.js";
import type { ViewSource } from "./source.js";

/** Options of {@link useRemoteRun}. */
export interface UseRemoteRunOptions {
  /** Where `cancel()` POSTs (e.g. `/orders/ID/cancel`); without it `cancel()` does nothing. */
  cancelUrl?: string;
  /** The EventSource class to use. @default globalThis.EventSource */
  EventSource?: typeof EventSource;
  /** Passed to the EventSource: send cookies to another origin. @default false */
  withCredentials?: boolean;
}

/** What {@link useRemoteRun} returns: the run's view as the server last sent it. */
export interface RemoteRunView extends RunView {
  /** Asks the server to cancel the run (needs the `cancelUrl` option). */
  cancel(reason?: string): void;
  /** Always `null`: the actor lives on the server. */
  actor: null;
  /** Whether the event stream is open right now (it reconnects by itself, with `Last-Event-ID`). */
  connected: boolean;
  /** The last problem with the stream, if any. */
  streamError: string | null;
  source: ViewSource;
}

const FINAL = new Set(["completed", "failed", "cancelled", "compensation_failed"]);
const WAITING: RunView = { runId: null, flow: null, status: "idle", steps: [], currentSteps: [], outputs: {}, error: null, result: null };

/** A view that changes when the server says so. */
class RemoteSource implements ViewSource {
  private view: RunView = WAITING;
  private readonly listeners = new Set<() => void>();
  readonly subscribe = (onChange: () => void) => {
    this.listeners.add(onChange);
    return () => void this.listeners.delete(onChange);
  };
  readonly getView = () => this.view;
  set(view: RunView): void {
    this.view = view;
    for (const listener of this.listeners) listener();
  }
}

/**
 * Shows a run that lives on a server, from the Server-Sent Events at `url` (what
 * `orchestrix/http`'s `streamRunEvents` serves): each `view` event carries the whole view, so a
 * reconnect (the browser sends `Last-Event-ID`) gets whatever it missed in the next event. The
 * stream is closed once the run has ended or the component unmounts; the run itself is the server's.
 */
export function useRemoteRun(url: string | null, options: UseRemoteRunOptions = {}): RemoteRunView {
  const { cancelUrl, withCredentials = false } = options;
  const EventSourceClass = options.EventSource ?? globalThis.EventSource;
  const source = useMemo(() => new RemoteSource(), [url]);
  const [connected, setConnected] = useState(false);
  const [streamError, setStreamError] = useState<string | null>(null);

  useEffect(() => {
    if (!url) return;
    const events = new EventSourceClass(url, { withCredentials });
    events.addEventListener("open", () => {
      setConnected(true);
      setStreamError(null);
    });
    events.addEventListener("view", (event) => {
      const view = JSON.parse((event as MessageEvent<string>).data) as RunView;
      source.set(view);
      if (FINAL.has(view.status)) {
        events.close();
        setConnected(false);
      }
    });
    events.addEventListener("problem", (event) => setStreamError((event as MessageEvent<string>).data));
    events.addEventListener("error", () => {
      setConnected(false);
      if (events.readyState === EventSourceClass.CLOSED) setStreamError(`the event stream at ${url} closed`);
    });
    return () => events.close();
  }, [url, source, EventSourceClass, withCredentials]);

  const view = useView(source);
  const cancel = useCallback(
    (reason?: string) => {
      if (!cancelUrl) return;
      void fetch(cancelUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(reason === undefined ? {} : { reason }),
      }).catch((error: unknown) => setStreamError(`cancel failed: ${String(error)}`));
    },
    [cancelUrl],
  );
  return useMemo(() => ({ ...view, cancel, actor: null, connected, streamError, source }), [view, cancel, connected, streamError, source]);
}
