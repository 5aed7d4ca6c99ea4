import { readFlowSnapshot, type FlowContext, type RunRecord, type StepRecord } from "orchestrix";
import { ExitCode } from "../cli-error.js";
import { formatAgo, formatDuration, formatJson, formatTime, truncate } from "../format.js";
import { describeOwner, describeStatus } from "../liveness.js";
import { loadRun } from "../run-target.js";
import { withStore } from "../store-url.js";
import { renderTable } from "../table.js";

/** Options of `orchestrix runs show`. */
export interface ShowRunOptions {
  store: string;
  json?: boolean;
}

/** `orchestrix runs show <runId>`: a run's record, each step and compensation, and its input, data and outputs. */
export async function showRun(runId: string, options: ShowRunOptions): Promise<number> {
  const record = await withStore(options.store, { mustExist: true, readonly: true }, (store) => loadRun(store, runId, options.store));
  if (options.json) {
    console.log(JSON.stringify(record, null, 2));
    return ExitCode.OK;
  }
  console.log(renderRun(record, Date.now()));
  return ExitCode.OK;
}

/** The text `runs show` prints for a record. */
export function renderRun(record: RunRecord, now: number): string {
  const context = readContext(record);
  const fields: [string, string][] = [
    ["Run", record.runId],
    ["Flow", `${record.flow} (${record.version === null ? "no version label" : `version ${JSON.stringify(record.version)}`}, definition ${record.definitionHash})`],
    ["Status", describeStatus(record, now, true)],
    ["Owner", describeOwner(record)],
  ];
  if (record.currentStep !== null) fields.push(["Current step", `${record.currentStep} (attempt ${record.attempts})`]);
  for (const [name, step] of Object.entries(context?.steps ?? {})) {
    if (step.status === "waiting") fields.push(["Waiting", describeWait(name, step)]);
  }
  fields.push(["Created", `${formatTime(record.createdAt)} (${formatAgo(record.createdAt, now)})`]);
  fields.push(["Updated", `${formatTime(record.updatedAt)} (${formatAgo(record.updatedAt, now)})`]);
  if (context?.failedStep) fields.push(["Failed step", context.failedStep]);
  if (context?.cancelReason) fields.push(["Cancelled", context.cancelReason]);
  const { lastError } = record;
  if (context?.error) fields.push(["Error", context.error.message]);
  else if (lastError !== null) fields.push(["Last error", lastError]);
  const label = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(label)}  ${value}`);

  if (!context) {
    lines.push("", "The stored snapshot holds no readable context: no step details to show (`runs show --json` prints it raw).");
    return lines.join("\n");
  }
  lines.push("", "Steps", stepTable(context.steps, false));
  lines.push("", "Compensations", compensationTable(record, context.compensations));
  lines.push("", "Input", formatJson(context.input), "", "Data", formatJson(context.data), "", "Outputs", formatJson(context.outputs));
  return lines.join("\n");
}

/** The compensations, or why there are none to show: a completed run never needed its undos. */
function compensationTable(record: RunRecord, compensations: Record<string, StepRecord>): string {
  if (Object.keys(compensations).length === 0) return "(no step has a compensation)";
  if (record.status === "completed") return "(none needed: the run completed)";
  return stepTable(compensations, record.status !== "running");
}

/** A table of step records; once the run has ended, one still pending was never needed. */
function stepTable(records: Record<string, StepRecord>, ended: boolean): string {
  return renderTable(
    ["STEP", "STATUS", { header: "ATTEMPTS", align: "right" }, "STARTED", { header: "DURATION", align: "right" }, "ERROR"],
    Object.entries(records).map(([name, step]) => [
      name,
      step.status === "retrying" && step.retryAt !== null
        ? `retrying at ${formatTime(step.retryAt)}`
        : step.status === "waiting"
          ? describeWait(name, step)
          : ended && step.status === "pending"
          ? "not needed"
          : step.status,
      String(step.attempts),
      step.startedAt === null ? "-" : formatTime(step.startedAt),
      step.startedAt === null ? "-" : step.endedAt === null ? "(unfinished)" : formatDuration(step.endedAt - step.startedAt),
      step.error === null ? "" : truncate(step.error.message, 80),
    ]),
  );
}

/** What a waiting step waits for: "waiting for payment-confirmed until 12:15:00", "sleeping until 12:15:00". */
function describeWait(name: string, step: StepRecord): string {
  const until = step.until === null || step.until === undefined ? "" : ` until ${formatTime(step.until)}`;
  return step.pause === "sleep" ? `sleeping${until}` : `waiting for ${name}${until || " (no timeout)"}`;
}

/** The machine context in a stored snapshot, when it is an Orchestrix snapshot. */
function readContext(record: RunRecord): FlowContext | undefined {
  const reading = readFlowSnapshot(record.snapshot);
  return reading.ok ? reading.snapshot.context : undefined;
}
