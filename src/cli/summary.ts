import type { FlowResult } from "orchestrix";
import { errorMessage, formatDuration, formatJson, truncate } from "./format.js";
import { renderTable } from "./table.js";

/** A run's result for people: status and duration, one line per step, the error and the outputs. */
export function renderResult(result: FlowResult): string {
  const lines = [`Run ${result.runId} of flow ${result.name}: ${result.status} in ${formatDuration(result.durationMs)}`, ""];
  lines.push(
    renderTable(
      ["STEP", "STATUS", { header: "ATTEMPTS", align: "right" }, { header: "DURATION", align: "right" }, "ERROR"],
      result.steps.map((step) => [
        step.name,
        step.status,
        String(step.attempts),
        step.attempts > 0 ? formatDuration(step.durationMs) : "-",
        step.error === undefined ? "" : truncate(errorMessage(step.error), 80),
      ]),
    ),
  );
  if (result.status !== "completed") {
    lines.push("", `Error: ${errorMessage(result.error)}`);
    for (const failure of result.compensationErrors ?? []) {
      lines.push(`Undoing ${failure.step} failed: ${errorMessage(failure.error)}`);
    }
  }
  if (Object.keys(result.outputs).length > 0) lines.push("", `Outputs: ${formatJson(result.outputs)}`);
  return lines.join("\n");
}
