/** How the page writes durations, times and sizes. */

/** `850 ms`, `2.35 s`, `1 min 5 s`; empty for no duration. Non-breaking spaces keep a number with its unit. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)}\u00a0ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}\u00a0s`;
  return `${Math.floor(ms / 60_000)}\u00a0min ${Math.round((ms % 60_000) / 1000)}\u00a0s`;
}

/** The local time of day with milliseconds: `14:03:07.042`. */
export function clock(at: number): string {
  const d = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** How long ago: `5 s ago`, `3 min ago`, `2 h ago`. */
export function ago(at: number): string {
  const s = Math.max(0, (Date.now() - at) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** A size in KiB or MiB. */
export function bytes(n: number): string {
  return n >= 1_048_576 ? `${Math.round(n / 1_048_576)}\u00a0MiB` : `${Math.round(n / 1024)}\u00a0KiB`;
}
