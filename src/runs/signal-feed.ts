/**
 * Brings signals recorded in the store to a live run that waits for one: while a wait of the run
 * is active it looks at the store every `intervalMs`, and hands each signal the run has not taken
 * in yet to the actor. The save that records the wait as done marks the signal taken.
 */
import type { FlowContext, ReceivedSignal } from "../snapshot/context.js";
import type { RunStore } from "../stores/types.js";

/** How often a waiting run looks for signals sent from other processes. */
export const SIGNAL_POLL_MS = 200;

/** Polls the store for a waiting run's signals. */
export class SignalFeed {
  private timer: ReturnType<typeof setInterval> | undefined;
  private looking = false;
  private context: FlowContext | undefined;
  private looked = false;
  /** Called when a look at the store found nothing new for the run: it may be parked now. */
  onCaughtUp: (() => void) | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    /** The wait names of the run's flow. */
    private readonly waits: ReadonlySet<string>,
    private readonly deliver: (signal: ReceivedSignal) => void,
    private readonly intervalMs = SIGNAL_POLL_MS,
  ) {}

  /** Follows the run's context: polls while one of its waits is active, stops otherwise. */
  update(context: FlowContext): void {
    this.context = context;
    const waiting = context.status === "running" && [...this.waits].some((name) => context.steps[name]?.status === "waiting");
    if (waiting && this.timer === undefined) {
      this.looked = false;
      this.timer = setInterval(() => void this.look(), this.intervalMs);
      void this.look();
    } else if (!waiting) {
      this.stop();
    }
  }

  /** Whether the run has seen every signal recorded for it so far (it is not waiting, or a look found nothing new). */
  get caughtUp(): boolean {
    return this.timer === undefined || this.looked;
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      const signals = await this.store.signals(this.runId);
      let delivered = false;
      for (const signal of signals) {
        if (this.timer === undefined) return;
        if ((this.context?.signalIds ?? []).includes(signal.id)) continue;
        this.deliver(signal);
        delivered = true;
      }
      if (!delivered && this.timer !== undefined && !this.looked) {
        this.looked = true;
        this.onCaughtUp?.();
      }
    } catch {
      // The store is down: the next look tries again, and the run's lease renewal reports the outage.
    } finally {
      this.looking = false;
    }
  }
}
