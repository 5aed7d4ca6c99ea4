/** Ctrl-C handling for commands that run a flow: the first press cancels the run (its compensations run), the second quits. */
export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM; pass it as the run's `signal`. */
  signal: AbortSignal;
  /** Removes the signal handlers. */
  dispose(): void;
}

/** Cancels the run on the first SIGINT/SIGTERM and exits with 130 on the second. */
export function cancelOnInterrupt(notify: (line: string) => void): Interrupt {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      notify(`Received ${signal} again: exiting without waiting for the compensations (the run stays resumable).`);
      process.exit(130);
    }
    notify(`Received ${signal}: cancelling the run and undoing its completed steps (press Ctrl-C again to quit at once)…`);
    controller.abort(`interrupted by ${signal}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
