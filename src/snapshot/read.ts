import { isRecord, type Json } from "../json.js";
import type { FlowResult } from "../types.js";
import type { FlowContext, StepRecord } from "./context.js";

/** A persisted snapshot of a flow's actor, as stored: checked, and typed. */
export interface FlowSnapshot {
  status: "active" | "done";
  /** The machine's state value. */
  value: Json;
  context: FlowContext;
  /** The result (with error records) once the run is done. */
  output?: FlowResult;
}

/** What {@link readFlowSnapshot} found: the typed snapshot, or what is wrong with it. */
export type SnapshotReading = { ok: true; snapshot: FlowSnapshot } | { ok: false; problem: string };

const RECORD_STATUSES = new Set(["pending", "running", "retrying", "waiting", "completed", "failed", "cancelled"]);

/**
 * Reads a stored snapshot of an Orchestrix run: the one typed reader every consumer uses (resume,
 * the CLI, the inspector). It checks the shape, never trusts it.
 */
export function readFlowSnapshot(snapshot: Json | unknown): SnapshotReading {
  const fail = (problem: string): SnapshotReading => ({ ok: false, problem });
  if (!isRecord(snapshot)) return fail("it is not an object");
  if (snapshot.status !== "active" && snapshot.status !== "done") {
    return fail(`its status is ${JSON.stringify(snapshot.status)}, expected "active" or "done"`);
  }
  const context = snapshot.context;
  if (!isRecord(context)) return fail("it has no context");
  if (typeof context.runId !== "string") return fail("its context has no run id");
  if (!isRecord(context.flow) || typeof context.flow.name !== "string" || typeof context.flow.definitionHash !== "string") {
    return fail("its context does not name its flow");
  }
  for (const field of ["data", "outputs", "steps", "compensations"] as const) {
    if (!isRecord(context[field])) return fail(`its context has no ${field} object`);
  }
  for (const field of ["steps", "compensations"] as const) {
    for (const [name, record] of Object.entries(context[field] as Record<string, unknown>)) {
      const problem = stepRecordProblem(record);
      if (problem) return fail(`its record of ${field === "steps" ? "step" : "the compensation of"} "${name}" ${problem}`);
    }
  }
  if (snapshot.value === undefined) return fail("it has no state value");
  const output = snapshot.output;
  if (snapshot.status === "done" && (!isRecord(output) || !Array.isArray(output.steps))) return fail("it is done but holds no result");
  return {
    ok: true,
    snapshot: {
      status: snapshot.status,
      value: snapshot.value as Json,
      context: context as unknown as FlowContext,
      ...(isRecord(output) ? { output: output as unknown as FlowResult } : {}),
    },
  };
}

function stepRecordProblem(record: unknown): string | undefined {
  if (!isRecord(record)) return "is not an object";
  if (typeof record.status !== "string" || !RECORD_STATUSES.has(record.status)) return `has the unknown status ${JSON.stringify(record.status)}`;
  if (typeof record.attempts !== "number") return "has no attempt count";
  if (!Array.isArray(record.history)) return "has no attempt history";
  return undefined;
}

/** The step records of a context that are running, waiting to retry, or waiting for a signal or a deadline, steps first, then undos. */
export function activeRecords(context: FlowContext): { kind: "step" | "compensation"; name: string; record: StepRecord }[] {
  const active: { kind: "step" | "compensation"; name: string; record: StepRecord }[] = [];
  for (const [kind, records] of [["step", context.steps], ["compensation", context.compensations]] as const) {
    for (const [name, record] of Object.entries(records)) {
      if (record.status === "running" || record.status === "retrying" || record.status === "waiting") active.push({ kind, name, record });
    }
  }
  return active;
}
