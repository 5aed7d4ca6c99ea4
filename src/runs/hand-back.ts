import type { FlowContext } from "../snapshot/context.js";
import { waitingUntil } from "../snapshot/wait.js";
import type { RunStore } from "../stores/types.js";
import type { LiveRun } from "./registry.js";

/** When an owner gives a durable run back instead of running it to its end. */
export interface HandBackOptions {
  /**
   * When this signal aborts, the run stops at its next transition boundary (no step function
   * executing; one in flight finishes first), its snapshot is saved and it is handed back (parked
   * on the store's queue, or released), and its result rejects with `RunHandedBackError`. This is
   * how a worker stops gracefully without dropping a run.
   */
  handBack?: AbortSignal;
  /**
   * Parks the run when all it does is wait (a retry wait, a sleep, a wait for a signal) for longer
   * than this: it is handed back, and the store's queue wakes it at its deadline, or when its
   * signal is sent, on whichever worker is free. Ignored with a
   * store that has no queue (nothing would wake the run): the run waits in memory. @default never
   */
  parkAfterMs?: number;
}

/** What a hand-back looks at: the actor's current snapshot. */
interface CurrentSnapshot {
  status: string;
  context: FlowContext;
}

/**
 * Decides when a run is handed back: after every transition and when asked to, it looks whether
 * the run is at a boundary (no step function executing) and either a hand-back was asked for or all
 * the run does is wait for longer than `parkAfterMs`. Then it calls `stop` once, with the time the
 * run has something to do again.
 */
export class HandBack {
  private done = false;
  private readonly onAbort = () => {
    // From now on no further step function starts; the ones executing finish first.
    this.live.handingBack = true;
    this.check();
  };

  private constructor(
    private readonly options: HandBackOptions,
    private readonly live: LiveRun,
    private readonly current: () => CurrentSnapshot,
    private readonly stop: (wakeAt: number | null | undefined) => void,
    private readonly caughtUp: () => boolean,
  ) {}

  /** A hand-back for a run launched with these options on this store, or `undefined` when it never hands back. */
  static of(
    options: HandBackOptions & { store: RunStore },
    live: LiveRun,
    current: () => CurrentSnapshot,
    stop: (wakeAt: number | null | undefined) => void,
    /** Whether the run has taken in the signals recorded for it: it is not parked before (its signal would wake it at once). */
    caughtUp: () => boolean = () => true,
  ): HandBack | undefined {
    const parkAfterMs = options.store.queue ? options.parkAfterMs : undefined;
    if (options.handBack === undefined && parkAfterMs === undefined) return undefined;
    return new HandBack(
      { ...(options.handBack ? { handBack: options.handBack } : {}), ...(parkAfterMs === undefined ? {} : { parkAfterMs }) },
      live,
      current,
      stop,
      caughtUp,
    );
  }

  /** Starts listening for the hand-back signal (call once the actor has started). */
  watch(): void {
    if (this.done) return; // the run ended while it started
    const { handBack } = this.options;
    if (handBack?.aborted) this.onAbort();
    else handBack?.addEventListener("abort", this.onAbort, { once: true });
    this.check();
  }

  /** Hands the run back now if it is at a boundary and should be. */
  check(): void {
    if (this.done || this.live.executing > 0) return;
    const snapshot = this.current();
    if (snapshot.status !== "active") return;
    const wakeAt = waitingUntil(snapshot.context);
    const { parkAfterMs } = this.options;
    // A run that waits for a signal with no timeout has no deadline: it parks until the signal wakes it.
    const park = wakeAt !== undefined && parkAfterMs !== undefined && (wakeAt === null || wakeAt - Date.now() > parkAfterMs) && this.caughtUp();
    if (!park && !this.options.handBack?.aborted) return;
    this.done = true;
    this.live.handingBack = true;
    this.stop(wakeAt);
  }

  /** Stops listening (the run ended or stopped). */
  dispose(): void {
    this.done = true;
    this.options.handBack?.removeEventListener("abort", this.onAbort);
  }
}
