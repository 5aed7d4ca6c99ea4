import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Flow } from "orchestrix";
import { activeStateIds, layoutMachine, renderSvg, runPath } from "orchestrix/inspector";
import { CliError, ExitCode } from "../cli-error.js";
import { loadFlows } from "../load-flows.js";
import { withStore } from "../store-url.js";

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
  /** Draw this stored run instead: its flow's machine with the path the run took (SVG only). */
  run?: string;
  /** The store holding `run`. */
  store?: string;
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
  if (options.run !== undefined) return exportRun(specifier, options.run, options);
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

/**
 * `orchestrix export <module> --run <id> --store <url>`: the SVG of a stored run, its path marked
 * (completed steps green, the failed one red, undone ones violet, skipped ones grey, where it ended outlined).
 */
async function exportRun(specifier: string, runId: string, options: ExportOptions): Promise<number> {
  if (options.store === undefined) throw new CliError(`--run ${runId} needs --store, the store that holds the run`);
  const formats = options.format ?? [];
  if (formats.some((format) => format !== "svg")) {
    throw new CliError(`Expected --format svg with --run (a run is drawn as an SVG); got ${formats.join(",")}`);
  }
  const record = await withStore(options.store, { mustExist: true, readonly: true }, (store) => store.load(runId));
  if (!record) throw new CliError(`No run "${runId}" in ${options.store}`);
  const loaded = await loadFlows(specifier);
  const flow = loaded.map((l) => l.flow).find((candidate) => candidate.name === record.flow);
  if (!flow) {
    throw new CliError(`The run "${runId}" is of flow "${record.flow}", which ${specifier} does not export; it exports ${loaded.map((l) => l.flow.name).join(", ")}`);
  }
  if (flow.definitionHash !== record.definitionHash) {
    throw new CliError(
      `The run "${runId}" was made by another shape of flow "${flow.name}" (definition ${record.definitionHash}, the module's is ${flow.definitionHash}): its path cannot be drawn on this machine`,
    );
  }
  const snapshot = typeof record.snapshot === "object" && record.snapshot !== null && !Array.isArray(record.snapshot) ? record.snapshot : {};
  const layout = await layoutMachine(flow.toJSON());
  const marks = runPath(flow.name, layout.states.map((state) => state.id), snapshot.context);
  const svg = renderSvg(layout, activeStateIds(flow.name, snapshot.value), { title: `${flow.name} · ${runId} · ${record.status}`, marks });
  const directory = resolve(options.out);
  mkdirSync(directory, { recursive: true });
  const file = `${runId.replace(/[^A-Za-z0-9._-]/g, "_")}.svg`;
  writeFileSync(join(directory, file), svg);
  console.log(`wrote ${join(options.out, file)}`);
  return ExitCode.OK;
}
