import type { FlowPlugin, LoggingOptions } from "./types.js";

/** The built-in progress log as a plugin: one readable line per run and step event. */
export function loggingPlugin(options: LoggingOptions = {}): FlowPlugin {
  const write = options.write ?? ((line: string) => console.log(line));
  const line = (event: { flow: string; runId: string }, text: string) =>
    write(`[${event.flow} ${event.runId.slice(0, 8)}] ${text}`);
  return {
    name: "orchestrix:logging",
    onFlowStart: (e) => line(e, "▶ started"),
    onFlowResume: (e) =>
      line(e, `▶ resumed${e.step === null ? "" : ` at ${e.step} (attempt ${e.attempt})`} after ${ms(e.downtimeMs)} not running`),
    onStepStart: (e) => line(e, `→ ${e.step}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`),
    onStepComplete: (e) => line(e, `✔ ${e.step} (attempt ${e.attempt}, ${ms(e.durationMs)})`),
    onStepRetry: (e) => line(e, `↻ ${e.step} attempt ${e.attempt} failed: ${message(e.error)} — retrying in ${ms(e.delayMs)}`),
    onStepFail: (e) => line(e, `✖ ${e.step} failed on attempt ${e.attempt} (${ms(e.durationMs)}): ${message(e.error)}`),
    onCompensate: (e) => line(e, `↩ undoing ${e.step}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`),
    onCompensateComplete: (e) =>
      line(
        e,
        e.status === "completed"
          ? `↩ ${e.step} undone (${ms(e.durationMs)})`
          : `✖ undoing ${e.step} failed for good: ${message(e.error)}`,
      ),
    onFlowComplete: (e) => line(e, `■ completed in ${ms(e.durationMs)}`),
    onFlowFail: (e) => line(e, `■ ${e.status} after ${ms(e.durationMs)}: ${message(e.error)}`),
  };
}

/** Whether the environment asks for the progress log (`ORCHESTRIX_LOG=1`). */
export function loggingFromEnvironment(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.["ORCHESTRIX_LOG"];
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

function ms(duration: number): string {
  return duration >= 1000 ? `${(duration / 1000).toFixed(1)} s` : `${Math.round(duration)} ms`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
