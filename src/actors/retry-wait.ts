import { fromAttempt } from "./attempt-logic.js";

/** Longest delay one `setTimeout` can take; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The durable retry wait: sleeps until an absolute deadline kept in context, so a restored
 * snapshot re-invokes it and waits only for the time that remained. Stopping it ends the wait.
 */
export const retryWaitActor = fromAttempt<void, { until: number }>(
  (input, abort) =>
    new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const signal = abort.signal;
      const tick = () => {
        const remaining = input.until - Date.now();
        if (remaining <= 0) {
          signal.removeEventListener("abort", stop);
          resolve();
        } else {
          timer = setTimeout(tick, Math.min(remaining, MAX_TIMER_MS));
        }
      };
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      signal.addEventListener("abort", stop, { once: true });
      tick();
    }),
);
