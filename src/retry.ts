import { isNonRetryable } from "./errors.js";
import type { RetryPolicy } from "./policy.js";

/**
 * The delay before the `retry`-th retry (1-based): the backoff curve, then the cap, then jitter.
 * `random` is injectable so tests can pin the jitter.
 */
export function retryDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = policy.retryDelayMs;
  const { backoffFactor } = policy;
  let delay: number;
  if (backoffFactor === "fixed") delay = base;
  else if (backoffFactor === "linear") delay = base * retry;
  else if (backoffFactor === "exponential") delay = base * 2 ** (retry - 1);
  else delay = base * backoffFactor ** (retry - 1);
  if (policy.maxRetryDelayMs !== undefined) delay = Math.min(delay, policy.maxRetryDelayMs);
  if (policy.jitter) delay = random() * delay;
  return Math.round(delay);
}

/** Whether a failed attempt (1-based `attempt`) gets another try under `policy`. */
export function shouldRetry(policy: RetryPolicy, error: unknown, attempt: number): boolean {
  if (attempt > policy.retries) return false;
  if (isNonRetryable(error)) return false;
  if (!policy.retryIf) return true;
  try {
    return policy.retryIf(error, attempt) !== false;
  } catch {
    // A broken predicate must not turn into endless retries; the step's own error stays the cause.
    return false;
  }
}
