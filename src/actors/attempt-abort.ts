/**
 * Whether one attempt was asked to stop (timeout, cancel, fail-fast, or XState stopping its
 * actor), and why. The `AbortSignal` the step sees is made only when the step reads
 * `ctx.signal`: most steps never do, and a controller per attempt is a measurable cost.
 */
export class AttemptAbort {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;

  /** Whether the attempt was asked to stop. */
  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  /** Why the attempt was asked to stop. */
  get reason(): unknown {
    return this.abortedWith?.reason;
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
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }
}
