import type { RunStore } from "../stores/types.js";

/**
 * Renews a claim's lease on a timer (three times per lease), apart from saves. When the store says
 * the fence is no longer current, `onLost` is called once and renewal stops. A renewal the store
 * could not answer is tried again at the next tick: the lease is long enough to miss two.
 */
export class LeaseKeeper {
  private readonly timer: ReturnType<typeof setInterval>;
  private stopped = false;

  constructor(
    store: RunStore,
    runId: string,
    fence: number,
    leaseMs: number,
    onLost: () => void,
  ) {
    this.timer = setInterval(
      () => {
        store.renew(runId, fence, Date.now() + leaseMs).then(
          (held) => {
            if (held || this.stopped) return;
            this.stop();
            onLost();
          },
          () => undefined,
        );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    // A lease alone never keeps a process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops renewing (the run ended, or was lost). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
