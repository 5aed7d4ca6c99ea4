/**
 * What restoring a stored run adds to launching it: its in-flight steps' clocks leave out the time
 * the run was not live, and the flow's hooks hear `onFlowResume`.
 */
import type { FlowDefinition } from "../definition.js";
import { HookDispatcher } from "../hooks.js";
import type { Json } from "../json.js";
import type { StepRecord } from "../snapshot/context.js";
import { readFlowSnapshot } from "../snapshot/read.js";
import type { RunRecord } from "../stores/types.js";
import type { FlowResumeEvent } from "../types.js";

/** A stored run about to be restored: the snapshot to restore and the event to announce once it runs. */
export interface Resumption {
  snapshot: Json;
  event: FlowResumeEvent;
}

/**
 * The record's snapshot with every unfinished step and compensation started `downtime` later (the
 * time from the last save to `now`), so its duration counts only the time a process was running it.
 * Retry deadlines are absolute and left as they are.
 */
export function prepareResumption(record: RunRecord, now: number = Date.now()): Resumption {
  const downtimeMs = Math.max(0, now - record.updatedAt);
  const event: FlowResumeEvent = { flow: record.flow, runId: record.runId, step: null, attempt: 0, downtimeMs };
  const reading = readFlowSnapshot(record.snapshot);
  if (!reading.ok) return { snapshot: record.snapshot, event };
  const { context } = reading.snapshot;
  const snapshot = record.snapshot as Record<string, Json>;
  const shift = (records: Record<string, StepRecord>, prefix: string) =>
    Object.fromEntries(
      Object.entries(records).map(([name, step]) => {
        if (step.status !== "running" && step.status !== "retrying") return [name, step];
        if (event.step === null) {
          event.step = `${prefix}${name}`;
          event.attempt = step.status === "running" ? step.attempts : step.attempts + 1;
        }
        const history = step.history.map((attempt) => (attempt.endedAt === null ? { ...attempt, startedAt: attempt.startedAt + downtimeMs } : attempt));
        return [name, { ...step, startedAt: step.startedAt === null ? null : step.startedAt + downtimeMs, history }];
      }),
    );
  const steps = shift(context.steps, "");
  const compensations = shift(context.compensations, "undo ");
  return { snapshot: { ...snapshot, context: { ...context, steps, compensations } } as unknown as Json, event };
}

/** Tells the flow's hooks and plugins that the run continues here. */
export function announceResumption(definition: FlowDefinition, event: FlowResumeEvent): void {
  new HookDispatcher(definition.hooks, definition.plugins).emit("onFlowResume", event);
}
