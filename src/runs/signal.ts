/**
 * Sending a signal to a run's wait (`flow.signal()`, `handle.signal()`): checked against the flow,
 * the payload validated against the wait's schema, then recorded in the store (durable, before it
 * resolves) or, for a run without a store, handed to the live run in this process.
 */
import { flattenSteps, type FlowDefinition, type WaitPause } from "../definition.js";
import { FlowValidationError, RunNotFoundError, SignalRefusedError } from "../errors.js";
import { whyNotJson, type Json } from "../json.js";
import type { FlowContext, ReceivedSignal } from "../snapshot/context.js";
import { readFlowSnapshot } from "../snapshot/read.js";
import type { RunStore } from "../stores/types.js";
import { liveRun } from "./registry.js";

/** Options of `flow.signal()`. */
export interface SignalOptions {
  /** Where the run is stored; the signal is recorded there. @default the store set with `setDefaultStore`, else the live run in this process */
  store?: RunStore;
  /** The signal's id, e.g. the webhook's event id: a repeated id is recorded once. @default a random UUID */
  signalId?: string;
}

/** What sending a signal did. */
export interface SignalReceipt {
  /** The signal's id (the one given, or a new one). */
  signalId: string;
  /** `true` when a signal with this id had already been recorded for the run: nothing new was stored. */
  duplicate: boolean;
}

const waitsByNodes = new WeakMap<FlowDefinition["nodes"], ReadonlyMap<string, WaitPause>>();

/** The waits of a flow that wait for a signal, by name (found once per flow: every launch asks). */
export function signalWaitsOf(definition: FlowDefinition): ReadonlyMap<string, WaitPause> {
  let waits = waitsByNodes.get(definition.nodes);
  if (!waits) {
    const found = new Map<string, WaitPause>();
    for (const step of flattenSteps(definition.nodes)) if (step.pause?.type === "signal") found.set(step.name, step.pause);
    waitsByNodes.set(definition.nodes, (waits = found));
  }
  return waits;
}

/**
 * Sends a signal for the wait `name` of run `runId`. With a store, resolves once it is durably
 * recorded there (the run takes it in when it reaches or is at the wait, in this process or any
 * other); without one, once the live run here has it. Refused, with nothing stored, when the flow
 * has no such wait, the payload fails the wait's schema, or the run is unknown, ended, or past that wait.
 */
export async function sendSignal(
  definition: FlowDefinition,
  runId: string,
  name: string,
  payload: unknown,
  store: RunStore | undefined,
  signalId: string | undefined,
): Promise<SignalReceipt> {
  const flow = definition.name;
  const refuse = (reason: string) => new SignalRefusedError(flow, runId, reason);
  const waits = signalWaitsOf(definition);
  const wait = waits.get(name);
  if (!wait) {
    throw refuse(`flow "${flow}" has no wait named ${JSON.stringify(name)} (${waits.size > 0 ? `its waits: ${[...waits.keys()].join(", ")}` : "it has no .waitFor() step"})`);
  }
  if (signalId !== undefined && (typeof signalId !== "string" || signalId === "")) {
    throw refuse(`expected \`signalId\` to be a non-empty string, got ${JSON.stringify(signalId) ?? String(signalId)}`);
  }
  const value = await validatePayload(flow, name, wait, payload);
  const signal: ReceivedSignal = { id: signalId ?? crypto.randomUUID(), name, payload: value, sentAt: Date.now() };
  const live = liveRun(runId);
  if (!store) {
    const context = live?.context?.();
    if (!live?.deliver || !context) {
      throw refuse("no store was given (pass { store } or call setDefaultStore()) and the run is not live in this process");
    }
    checkWaitable(context, name, refuse);
    const duplicate = (context.signalIds ?? []).includes(signal.id);
    if (!duplicate) live.deliver(signal);
    return { signalId: signal.id, duplicate };
  }
  const record = await store.load(runId);
  if (!record) throw refuse(`no run with this id is stored`);
  if (record.flow !== flow) throw refuse(`it is a run of flow "${record.flow}"`);
  if (record.status !== "running") throw refuse(`it has ended (${record.status})`);
  const reading = readFlowSnapshot(record.snapshot);
  if (reading.ok) checkWaitable(reading.snapshot.context, name, refuse);
  let recorded: boolean;
  try {
    recorded = await store.signal(runId, signal);
  } catch (error) {
    if (error instanceof RunNotFoundError) throw refuse("no run with this id is stored");
    throw error;
  }
  // A run live in this process on this very store need not wait for its next look at it; a run
  // parked on the store's queue until its signal is woken, on whichever worker is free.
  if (recorded && live?.store === store) live.deliver?.(signal);
  else if (recorded && store.queue) await store.queue.wake(runId, flow);
  return { signalId: signal.id, duplicate: !recorded };
}

/** Throws when the run is past the wait `name` (it took a signal, timed out, or was cancelled there). */
function checkWaitable(context: FlowContext, name: string, refuse: (reason: string) => Error): void {
  if (context.status !== "running") throw refuse(`it has ended (${context.status})`);
  const record = context.steps[name];
  if (!record || record.status === "pending" || record.status === "waiting") return;
  const what = record.status === "completed" ? (record.signalId ? "it took a signal" : "it timed out and went on") : record.status === "failed" ? "it timed out" : `it is ${record.status}`;
  throw refuse(`its wait "${name}" is over (${what})`);
}

/** The payload validated against the wait's schema (sync or async) and checked to be JSON; throws `FlowValidationError`. */
async function validatePayload(flow: string, name: string, wait: WaitPause, payload: unknown): Promise<Json> {
  const subject = `payload for wait "${name}" of flow "${flow}"`;
  let value = payload;
  if (wait.schema) {
    const result = await wait.schema["~standard"].validate(payload);
    if (result.issues) throw new FlowValidationError(flow, result.issues, subject);
    value = result.value;
  }
  if (value === undefined) return null;
  const reason = whyNotJson(value, "payload");
  if (reason !== undefined) throw new FlowValidationError(flow, [{ message: `the payload is kept in the run's snapshot, so it must be JSON, but ${reason}` }], subject);
  return value as Json;
}
