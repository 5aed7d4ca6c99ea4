/** A column of a {@link renderTable} table. */
export interface Column {
  /** The header, shown as given. */
  header: string;
  /** Numbers read best right-aligned. @default "left" */
  align?: "left" | "right";
}

/**
 * Renders rows as an aligned plain-text table: a header, a dashed rule, then one line per row.
 * Cells are put on one line; lines carry no trailing spaces.
 * @example renderTable(["RUN ID", { header: "ATTEMPTS", align: "right" }], [["a1", "2"]])
 */
export function renderTable(columns: readonly (string | Column)[], rows: readonly (readonly string[])[]): string {
  const specs = columns.map((column) => (typeof column === "string" ? { header: column } : column));
  const cells = rows.map((row) => specs.map((_, index) => oneLine(row[index] ?? "")));
  const widths = specs.map((spec, index) => Math.max(width(spec.header), ...cells.map((row) => width(row[index] ?? ""))));
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => {
        const padding = " ".repeat((widths[index] ?? 0) - width(value));
        return specs[index]?.align === "right" ? padding + value : value + padding;
      })
      .join("  ")
      .trimEnd();
  return [line(specs.map((spec) => spec.header)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ");
}

/** Visible width, counting code points (so `…` and `✔` count as one). */
function width(text: string): number {
  return [...text].length;
}
