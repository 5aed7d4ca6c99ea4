import { describe, expect, it } from "vitest";
import { NonRetryableError } from "orchestrix";
import { STEP_RETRY_DEFAULTS, type RetryPolicy } from "../src/policy.js";
import { retryDelay, shouldRetry } from "../src/retry.js";

const policy = (overrides: Partial<RetryPolicy>): RetryPolicy => ({ ...STEP_RETRY_DEFAULTS, retries: 10, ...overrides });
const delays = (p: RetryPolicy, count = 5) => Array.from({ length: count }, (_, i) => retryDelay(p, i + 1));

describe("retry delay", () => {
  it("fixed: the same delay every time", () => {
    expect(delays(policy({ retryDelayMs: 100, backoffFactor: "fixed" }))).toEqual([100, 100, 100, 100, 100]);
  });

  it("linear: d·n for the n-th retry", () => {
    expect(delays(policy({ retryDelayMs: 100, backoffFactor: "linear" }))).toEqual([100, 200, 300, 400, 500]);
  });

  it("exponential: d·2^(n-1)", () => {
    expect(delays(policy({ retryDelayMs: 2000, backoffFactor: "exponential" }), 3)).toEqual([2000, 4000, 8000]);
  });

  it("numeric factor f: d·f^(n-1)", () => {
    expect(delays(policy({ retryDelayMs: 100, backoffFactor: 3 }), 4)).toEqual([100, 300, 900, 2700]);
    expect(delays(policy({ retryDelayMs: 100, backoffFactor: 1.5 }), 3)).toEqual([100, 150, 225]);
  });

  it("caps one delay at maxRetryDelayMs", () => {
    expect(delays(policy({ retryDelayMs: 100, backoffFactor: "exponential", maxRetryDelayMs: 500 }))).toEqual([
      100, 200, 400, 500, 500,
    ]);
  });

  it("full jitter stays within [0, capped delay]", () => {
    const p = policy({ retryDelayMs: 1000, backoffFactor: "exponential", maxRetryDelayMs: 3000, jitter: true });
    expect(retryDelay(p, 4, () => 0)).toBe(0);
    expect(retryDelay(p, 4, () => 0.999999)).toBe(3000);
    expect(retryDelay(p, 2, () => 0.5)).toBe(1000);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelay(p, 3);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(3000);
    }
  });
});

describe("whether to retry", () => {
  it("retries until the retries are used up", () => {
    const p = policy({ retries: 2 });
    expect([1, 2, 3].map((attempt) => shouldRetry(p, new Error("x"), attempt))).toEqual([true, true, false]);
  });

  it("never retries a NonRetryableError", () => {
    expect(shouldRetry(policy({ retries: 5 }), new NonRetryableError("declined"), 1)).toBe(false);
  });

  it("asks retryIf with the error and the attempt", () => {
    const seen: unknown[] = [];
    const p = policy({
      retries: 5,
      retryIf: (error, attempt) => {
        seen.push([(error as Error).message, attempt]);
        return (error as Error).message !== "fatal";
      },
    });
    expect(shouldRetry(p, new Error("flaky"), 1)).toBe(true);
    expect(shouldRetry(p, new Error("fatal"), 2)).toBe(false);
    expect(seen).toEqual([
      ["flaky", 1],
      ["fatal", 2],
    ]);
  });

  it("treats a throwing retryIf as 'do not retry'", () => {
    const p = policy({
      retries: 5,
      retryIf: () => {
        throw new Error("broken predicate");
      },
    });
    expect(shouldRetry(p, new Error("x"), 1)).toBe(false);
  });
});
