import { FlowDefinitionError } from "./errors.js";

/** How the delay grows between retries: a named curve or a numeric factor f (d·f^(n-1)). */
export type BackoffFactor = "fixed" | "linear" | "exponential" | number;

/** Retry behaviour of one step or one compensation. */
export interface RetryOptions {
  /** Extra attempts after the first. @default 0 (3 for compensations) */
  retries?: number;
  /** Base delay before a retry, in ms. @default 0 (100 for compensations) */
  retryDelayMs?: number;
  /** How the delay grows with each retry. @default "fixed" ("exponential" for compensations) */
  backoffFactor?: BackoffFactor;
  /** Cap on one delay, applied before jitter. @default no cap */
  maxRetryDelayMs?: number;
  /** Full jitter: wait a random time in [0, computed delay]. @default false */
  jitter?: boolean;
  /** Limit per attempt in ms; the attempt fails and `ctx.signal` is aborted. @default no limit */
  timeoutMs?: number;
  /** Return `false` to stop retrying this error. @default retry every error */
  retryIf?: (error: unknown, attempt: number) => boolean;
}

/** A {@link RetryOptions} with every default filled in and every value checked. */
export interface RetryPolicy {
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly backoffFactor: BackoffFactor;
  readonly maxRetryDelayMs: number | undefined;
  readonly jitter: boolean;
  readonly timeoutMs: number | undefined;
  readonly retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
}

/** Defaults of a step's own retry policy (those of the seed library). */
export const STEP_RETRY_DEFAULTS: RetryPolicy = {
  retries: 0,
  retryDelayMs: 0,
  backoffFactor: "fixed",
  maxRetryDelayMs: undefined,
  jitter: false,
  timeoutMs: undefined,
  retryIf: undefined,
};

/** Defaults of a compensation's retry policy: 3 retries, exponential from 100 ms. */
export const COMPENSATION_RETRY_DEFAULTS: RetryPolicy = {
  ...STEP_RETRY_DEFAULTS,
  retries: 3,
  retryDelayMs: 100,
  backoffFactor: "exponential",
};

/** The option names a retry policy accepts. */
export const RETRY_OPTION_NAMES = [
  "retries",
  "retryDelayMs",
  "backoffFactor",
  "maxRetryDelayMs",
  "jitter",
  "timeoutMs",
  "retryIf",
] as const;

/** Where an option was given, for error messages. */
export interface OptionSite {
  flow: string;
  step: string;
  /** Prefix of the option's name, e.g. `"compensation."`. */
  prefix: string;
  /** Who the options belong to, for messages. @default `Step "<step>" of flow "<flow>"` */
  owner?: string;
}

const ownerOf = (site: OptionSite) => site.owner ?? `Step "${site.step}" of flow "${site.flow}"`;

/** Checks raw retry options and fills in the defaults; throws a {@link FlowDefinitionError} naming the step and option. */
export function resolveRetryPolicy(raw: RetryOptions, defaults: RetryPolicy, site: OptionSite): RetryPolicy {
  const fail = (option: string, expected: string, got: unknown): never => {
    throw new FlowDefinitionError(
      `${ownerOf(site)}: expected \`${site.prefix}${option}\` to be ${expected}, got ${show(got)}`,
      { flow: site.flow, step: site.step },
    );
  };
  const { retries, retryDelayMs, backoffFactor, maxRetryDelayMs, jitter, timeoutMs, retryIf } = raw;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) fail("retries", "a non-negative integer", retries);
  if (retryDelayMs !== undefined && !isNonNegative(retryDelayMs)) fail("retryDelayMs", "a non-negative finite number", retryDelayMs);
  if (
    backoffFactor !== undefined &&
    backoffFactor !== "fixed" &&
    backoffFactor !== "linear" &&
    backoffFactor !== "exponential" &&
    !(typeof backoffFactor === "number" && Number.isFinite(backoffFactor) && backoffFactor > 0)
  ) {
    fail("backoffFactor", `"fixed", "linear", "exponential" or a positive number`, backoffFactor);
  }
  if (maxRetryDelayMs !== undefined && !isNonNegative(maxRetryDelayMs)) {
    fail("maxRetryDelayMs", "a non-negative finite number", maxRetryDelayMs);
  }
  if (jitter !== undefined && typeof jitter !== "boolean") fail("jitter", "a boolean", jitter);
  if (timeoutMs !== undefined && !(isNonNegative(timeoutMs) && timeoutMs > 0)) fail("timeoutMs", "a positive finite number", timeoutMs);
  if (retryIf !== undefined && typeof retryIf !== "function") fail("retryIf", "a function", retryIf);
  return {
    retries: retries ?? defaults.retries,
    retryDelayMs: retryDelayMs ?? defaults.retryDelayMs,
    backoffFactor: backoffFactor ?? defaults.backoffFactor,
    maxRetryDelayMs: maxRetryDelayMs ?? defaults.maxRetryDelayMs,
    jitter: jitter ?? defaults.jitter,
    timeoutMs: timeoutMs ?? defaults.timeoutMs,
    retryIf: retryIf ?? defaults.retryIf,
  };
}

/** Option names people bring from other retry libraries, and what they mean here. */
const COMMON_MISTAKES: Record<string, string> = {
  retry: "retries",
  attempts: "retries",
  maxRetries: "retries",
  delay: "retryDelayMs",
  retryDelay: "retryDelayMs",
  backoff: "backoffFactor",
  factor: "backoffFactor",
  timeout: "timeoutMs",
  maxDelay: "maxRetryDelayMs",
  undo: "compensate",
  rollback: "compensate",
};

/** Throws when `raw` has a key outside `known`, naming the closest known one. */
export function rejectUnknownOptions(raw: object, known: readonly string[], site: OptionSite): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const alias = COMMON_MISTAKES[key];
    const near = alias !== undefined && known.includes(alias) ? alias : closest(key, known);
    throw new FlowDefinitionError(
      `${ownerOf(site)}: unknown option \`${site.prefix}${key}\`` +
        (near ? ` (did you mean \`${site.prefix}${near}\`?)` : ` (known options: ${known.join(", ")})`),
      { flow: site.flow, step: site.step },
    );
  }
}

function isNonNegative(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

/** The known name within a small edit distance of `key` (case-insensitive), if any: a typo's likely intent. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
