import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Flow } from "orchestrix";
import { CliError } from "./cli-error.js";
import { errorMessage } from "./format.js";
import { registerUserTsx } from "./typescript-loader.js";

/** A flow found among a module's exports. */
export interface LoadedFlow {
  /** The export it was found under (`default` for a default export). */
  exportName: string;
  flow: Flow;
}

/**
 * Whether `value` is a flow: an instance of this copy of Orchestrix's `Flow`, or one from another copy
 * (a user's module may resolve `orchestrix` to a different file), recognised by its definition.
 * The CLI runs every flow through a `Flow` of its own copy, built from that definition (see `withProgress`).
 */
export function isFlow(value: unknown): value is Flow {
  if (value instanceof Flow) return true;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { name?: unknown; run?: unknown; definition?: { name?: unknown; nodes?: unknown; plugins?: unknown } };
  return (
    typeof candidate.name === "string" &&
    typeof candidate.run === "function" &&
    candidate.definition?.name === candidate.name &&
    Array.isArray(candidate.definition.nodes) &&
    Array.isArray(candidate.definition.plugins)
  );
}

/** Imports a module (path relative to the current directory) and collects the flows it exports. */
export async function loadFlows(specifier: string): Promise<LoadedFlow[]> {
  const path = resolve(specifier);
  if (!existsSync(path)) {
    throw new CliError(`Cannot find the flows module ${specifier} (looked at ${path}): expected a .ts or .js file that exports flows`);
  }
  let exports: Record<string, unknown>;
  try {
    exports = await importModule(path);
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    throw new CliError(`Could not load the flows module ${specifier}: ${errorMessage(cause)}`, { cause });
  }
  const found: LoadedFlow[] = [];
  const seen = new Set<unknown>();
  for (const [exportName, value] of Object.entries(exports)) {
    if (isFlow(value) && !seen.has(value)) {
      seen.add(value);
      found.push({ exportName, flow: value });
    }
  }
  if (found.length === 0) {
    const names = Object.keys(exports);
    throw new CliError(
      `The module ${specifier} exports no flow: expected at least one export made with create("name").step(…); ` +
        `got ${names.length === 0 ? "no exports" : `the exports ${names.join(", ")}`}`,
    );
  }
  return found;
}

/** The flow named `name`, or the module's only flow when no name is given. */
export function pickFlow(flows: readonly LoadedFlow[], name: string | undefined, specifier: string): Flow {
  const names = flows.map((loaded) => JSON.stringify(loaded.flow.name)).join(", ");
  if (name === undefined) {
    if (flows.length === 1 && flows[0]) return flows[0].flow;
    throw new CliError(`The module ${specifier} exports ${flows.length} flows (${names}); choose one with --flow <name>`);
  }
  const matches = flows.filter((loaded) => loaded.flow.name === name);
  if (matches.length === 0 || !matches[0]) {
    throw new CliError(`Expected the module ${specifier} to export a flow named ${JSON.stringify(name)}; it exports ${names}`);
  }
  if (matches.length > 1) {
    throw new CliError(
      `The module ${specifier} exports ${matches.length} different flows named ${JSON.stringify(name)} ` +
        `(${matches.map((m) => m.exportName).join(", ")}); flow names must be unique`,
    );
  }
  return matches[0].flow;
}

/**
 * Imports a file. A TypeScript file with no loader active (the built CLI run by plain `node`) is
 * imported again after registering the user's own tsx.
 */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    await registerUserTsx(path);
    // Node keeps the failed import of this URL; a query makes it a fresh one.
    return (await import(`${url}?orchestrix-cli=ts`)) as Record<string, unknown>;
  }
}
