import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Flow } from "orchestrix";
import { layoutMachine, renderSvg } from "orchestrix/inspector";
import { CliError, ExitCode } from "../cli-error.js";
import { loadFlows } from "../load-flows.js";

/** The diagram formats `orchestrix export` writes. */
export const EXPORT_FORMATS = ["json", "mermaid", "svg"] as const;

/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `orchestrix export`. */
export interface ExportOptions {
  /** Only this flow of the module. */
  flow?: string;
  /** Without it, every format. */
  format?: ExportFormat[];
  out: string;
}

/** Parses `--format json,svg` (or a repeated option) into known formats, saying what was expected. */
export function parseFormats(value: string, previous: ExportFormat[] = []): ExportFormat[] {
  const formats = value.split(",").map((part) => part.trim()).filter(Boolean);
  for (const format of formats) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      throw new CliError(`Expected --format to be ${EXPORT_FORMATS.join(", ")} (or several, comma-separated); got "${format}"`);
    }
  }
  return [...new Set([...previous, ...(formats as ExportFormat[])])];
}

/** The file text of one flow in one format; the SVG is the inspector's own drawing. */
export async function renderFlow(flow: Flow, format: ExportFormat): Promise<{ file: string; text: string }> {
  switch (format) {
    case "json":
      return { file: `${flow.name}.json`, text: `${JSON.stringify(flow.toJSON(), null, 2)}\n` };
    case "mermaid":
      return { file: `${flow.name}.mmd`, text: flow.toMermaid() };
    case "svg":
      return { file: `${flow.name}.svg`, text: renderSvg(await layoutMachine(flow.toJSON()), [], { title: flow.name }) };
  }
}

/** `orchestrix export <module>`: writes each flow's machine as JSON (XState/Stately), Mermaid and/or SVG. */
export async function exportCommand(specifier: string, options: ExportOptions): Promise<number> {
  const loaded = await loadFlows(specifier);
  const flows = options.flow === undefined ? loaded.map((l) => l.flow) : loaded.map((l) => l.flow).filter((f) => f.name === options.flow);
  if (flows.length === 0) {
    throw new CliError(`The module ${specifier} exports no flow named "${options.flow}"; it exports ${loaded.map((l) => l.flow.name).join(", ")}`);
  }
  const formats = options.format ?? [...EXPORT_FORMATS];
  const directory = resolve(options.out);
  mkdirSync(directory, { recursive: true });
  for (const flow of flows) {
    for (const format of formats) {
      const { file, text } = await renderFlow(flow, format);
      writeFileSync(join(directory, file), text);
      console.log(`wrote ${join(options.out, file)}`);
    }
  }
  return ExitCode.OK;
}
