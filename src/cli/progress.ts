import { Flow, loggingPlugin } from "orchestrix";

const LOGGING_PLUGIN = "orchestrix:logging";

/**
 * The flow with the built-in progress log added (one line per run and step event, sent to `write`),
 * unless it already logs. The copy has the same steps, so the same definition hash: stored runs stay resumable.
 */
export function withProgress(flow: Flow, write: (line: string) => void): Flow {
  const { definition } = flow;
  const plugins = definition.plugins.some((plugin) => plugin.name === LOGGING_PLUGIN)
    ? definition.plugins
    : [...definition.plugins, loggingPlugin({ write })];
  // Rebuilt with this copy's `Flow` even when it already logs, so errors are this copy's classes (instanceof works).
  return new Flow({ ...definition, plugins });
}
