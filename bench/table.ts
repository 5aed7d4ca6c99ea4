/** How a column's cells are aligned. */
export type Align = "left" | "right";

/** Renders rows as a Markdown pipe table padded to line up in a terminal too. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)));
  const pad = (text: string, column: number) => {
    const width = widths[column] ?? text.length;
    return align[column] === "right" ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]) => `| ${headers.map((_, column) => pad(cells[column] ?? "", column)).join(" | ")} |`;
  const rule = `|${widths.map((width, column) => (align[column] === "right" ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")}|`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** Formats microseconds with a precision that suits their size. */
export function formatMicros(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Formats a ratio as `1.23x`. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
}
