import { RunFencedError, StoreError } from "../errors.js";
import type { RunStore } from "../stores/types.js";

/**
 * Keeps a claim's lease: renews it on a timer (three times per lease), apart from saves, and
 * vouches for it before each attempt starts. An owner whose lease may have run out (its process
 * stalled) renews before it starts anything, so a process that claimed the run meanwhile wins
 * and this one stops. When the store says the fence is no longer current, `onLost` is called once.
 */
export class LeaseKeeper {
  private readonly timer: ReturnType<typeof setInterval>;
  private stopped = false;
  /** Until when the lease is known to hold: the last renewal's expiry. */
  private validUntil: number;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly fence: number,
    private readonly leaseMs: number,
    leaseUntil: number,
    private readonly onLost: (error: Error) => void,
  ) {
    this.validUntil = leaseUntil;
    // A renewal the store could not answer is tried again at the next tick: the lease outlasts two.
    this.timer = setInterval(() => void this.renew().catch(() => undefined), Math.max(1, Math.floor(leaseMs / 3)));
    // A lease alone never keeps a process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Resolves when the lease surely holds for a third of a lease more; renews first when it might not. */
  async ensure(): Promise<void> {
    if (this.stopped || Date.now() + this.leaseMs / 3 < this.validUntil) return;
    try {
      await this.renew();
    } catch (cause) {
      if (Date.now() < this.validUntil) return; // not over yet: the next save or renewal will tell
      const error = new StoreError(`Run "${this.runId}": its lease ran out and could not be renewed (${(cause as Error).message}); it was stopped`, {
        cause,
      });
      this.lose(error);
    }
    if (this.stopped) throw new RunFencedError(this.runId, "its lease was lost");
  }

  /** Stops renewing (the run ended, or was lost). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    const until = Date.now() + this.leaseMs;
    const held = await this.store.renew(this.runId, this.fence, until);
    if (this.stopped) return;
    if (held) this.validUntil = until;
    else this.lose(new RunFencedError(this.runId, "renewing its lease, the store held a newer fence"));
  }

  private lose(error: Error): void {
    if (this.stopped) return;
    this.stop();
    this.onLost(error);
  }
}
