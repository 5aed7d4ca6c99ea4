/**
 * Whether one attempt was asked to stop (timeout, cancel, fail-fast, or XState stopping its
 * actor), and why. The `AbortSignal` the step sees is made only when the step reads
 * `ctx.signal`: most steps never do, and a controller per attempt is a measurable cost.
 */
export class AttemptAbort {
  private controller: AbortController | undefined;
  private forward: (() => void) | undefined;
  private abortedWith: { reason: unknown } | undefined;

  /** `actorSignal` is the one XState aborts when it stops the attempt's actor. */
  constructor(private readonly actorSignal: AbortSignal) {}

  /** Whether the attempt was asked to stop. */
  get aborted(): boolean {
    return this.abortedWith !== undefined || this.actorSignal.aborted;
  }

  /** Why the attempt was asked to stop. */
  get reason(): unknown {
    return this.abortedWith ? this.abortedWith.reason : this.actorSignal.reason;
  }

  /** Asks the attempt to stop; the first reason wins. */
  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }

  /** The signal handed to the step as `ctx.signal`, created on first use. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) {
        this.controller.abort(this.reason);
      } else {
        this.forward = () => this.abort(this.actorSignal.reason);
        this.actorSignal.addEventListener("abort", this.forward, { once: true });
      }
    }
    return this.controller.signal;
  }

  /** Stops following XState's signal once the attempt is over. */
  dispose(): void {
    if (this.forward) this.actorSignal.removeEventListener("abort", this.forward);
  }
}
