import type { ServerResponse } from "node:http";
import { readFlowSnapshot, runView, type RunRecord, type RunStore, type RunView, type ViewableFlow } from "orchestrix";

/** A stored run's view as JSON: the {@link RunView} and where the record stands. */
export interface StoredRunView extends RunView {
  runId: string;
  /** The record's transition counter: the id of the Server-Sent Event that carries this view. */
  seq: number;
  /** What the run is doing, e.g. `process-payment` or `undo reserve-stock`; `null` when nothing is in flight. */
  currentStep: string | null;
  updatedAt: number;
}

/** What {@link readRunView} found. */
export type RunViewReading = { ok: true; view: StoredRunView } | { ok: false; status: 404 | 500; problem: string };

/** The view of a stored record (pass the flow to get each step's `maxAttempts`). */
export function storedRunView(record: RunRecord, flow?: ViewableFlow): RunViewReading {
  const reading = readFlowSnapshot(record.snapshot);
  if (!reading.ok) return { ok: false, status: 500, problem: `The stored snapshot of run "${record.runId}" cannot be read: ${reading.problem}` };
  const view = runView(reading.snapshot, flow);
  return { ok: true, view: { ...view, runId: record.runId, seq: record.seq, currentStep: record.currentStep, updatedAt: record.updatedAt } };
}

/** Loads a run from the store and builds its view; an unknown id is a 404. */
export async function readRunView(store: RunStore, runId: string, flow?: ViewableFlow): Promise<RunViewReading> {
  const record = await store.load(runId);
  if (!record) return { ok: false, status: 404, problem: `No run "${runId}"` };
  return storedRunView(record, flow);
}

/** Answers a request with a run's JSON view: 200, 404 for an unknown id, 500 for an unreadable snapshot. */
export async function sendRunView(response: ServerResponse, store: RunStore, runId: string, flow?: ViewableFlow): Promise<void> {
  const reading = await readRunView(store, runId, flow);
  sendJson(response, reading.ok ? 200 : reading.status, reading.ok ? reading.view : { error: reading.problem });
}

/** Writes a JSON response. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
