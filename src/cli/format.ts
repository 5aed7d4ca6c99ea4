/** Small text formatters shared by the commands: times, durations, errors, JSON. */

/** A duration for people: `12 ms`, `3.4 s`, `2 min 5 s`, `1 h 20 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
}

/** An instant as ISO 8601 (UTC). */
export function formatTime(time: number): string {
  return new Date(time).toISOString();
}

/** How long ago `time` was (`3 s ago`, `5 min ago`); an ISO time once it is a week old or in the future. */
export function formatAgo(time: number, now: number = Date.now()): string {
  const elapsed = now - time;
  if (elapsed < 0 || elapsed >= 7 * 86_400_000) return formatTime(time);
  if (elapsed < 1_000) return "just now";
  if (elapsed < 60_000) return `${Math.floor(elapsed / 1_000)} s ago`;
  if (elapsed < 3_600_000) return `${Math.floor(elapsed / 60_000)} min ago`;
  if (elapsed < 86_400_000) return `${Math.floor(elapsed / 3_600_000)} h ago`;
  return `${Math.floor(elapsed / 86_400_000)} d ago`;
}

/** `text` on one line, cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/** The message of an error, an error record (`{ message }`) or anything else. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** Pretty JSON, two spaces; `undefined` shows as `(none)`. */
export function formatJson(value: unknown): string {
  return value === undefined ? "(none)" : JSON.stringify(value, null, 2);
}
