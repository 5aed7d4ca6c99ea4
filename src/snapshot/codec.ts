import { isRecord, type Json } from "../json.js";
import { pendingRecord } from "./context.js";

/**
 * Splits a persisted Orchestrix snapshot into a small head and the parts that settle once, so a
 * store can write per transition only what changed: the input once, each step's record once when
 * it settles, each output once. The head keeps the state value, the small context fields, the
 * records of steps still in flight (they change with every transition until they settle, so a row
 * of their own would be written again and again), the names of the parts and, once the run ended,
 * its result (written once, with the last save); attempt inputs in the children point at the
 * context's input, data and outputs instead of repeating them. {@link joinSnapshot} rebuilds the
 * snapshot exactly, from heads written by this version or by the one before it.
 */
export interface SplitSnapshot {
  /** Written with every save. */
  head: Json;
  /** By part name (`input`, `data`, `step:<name>`, `undo:<name>`, `output:<name>`; `result` only in heads of the version before). */
  parts: Map<string, Json>;
}

const MARK = "$orchestrixParts";
const REF = "$orchestrixRef";
/** Context fields a child attempt's input may share with the context. */
const SHARED = ["input", "data", "outputs"] as const;

/** Splits a snapshot; one that is not an Orchestrix run's is kept whole as the head. */
export function splitSnapshot(snapshot: Json): SplitSnapshot {
  const parts = new Map<string, Json>();
  if (!isRecord(snapshot) || !isRecord(snapshot.context)) return { head: snapshot, parts };
  const context = snapshot.context as Record<string, Json>;
  const { steps, compensations, outputs } = context;
  if (!isRecord(steps) || !isRecord(compensations) || !isRecord(outputs) || !("input" in context) || !("data" in context)) {
    return { head: snapshot, parts };
  }
  // Small values stay in the head: a row of their own would cost more than writing them again.
  const inlineOrPart = (name: "input" | "data"): Json => {
    const value = context[name] ?? null;
    if (isSmall(value)) return value;
    parts.set(name, value);
    return { [REF]: name };
  };
  // Keys whose value is undefined are dropped, as JSON drops them.
  const names = (prefix: string, records: Record<string, Json>): string[] => {
    const kept: string[] = [];
    for (const name in records) {
      const value = records[name];
      if (value === undefined) continue;
      parts.set(`${prefix}${name}`, value);
      kept.push(name);
    }
    return kept;
  };
  // A pending record is only named (join rebuilds it), a settled one is a part, and one in flight
  // (running, retrying, waiting) is kept in the head.
  const entries = (prefix: string, records: Record<string, Json>): Json[] => {
    const kept: Json[] = [];
    for (const name in records) {
      const value = records[name];
      if (value === undefined) continue;
      if (isPendingRecord(value)) kept.push(name);
      else if (isSettled(value)) {
        parts.set(`${prefix}${name}`, value);
        kept.push(name);
      } else kept.push([name, value]);
    }
    return kept;
  };
  const headContext: Record<string, Json> = {
    ...context,
    input: inlineOrPart("input"),
    data: inlineOrPart("data"),
    steps: entries("step:", steps),
    compensations: entries("undo:", compensations),
    outputs: names("output:", outputs),
  };
  const head: Record<string, Json> = { ...(snapshot as Record<string, Json>), context: headContext };
  if (isRecord(snapshot.children)) head.children = withSharedRefs(snapshot.children as Record<string, Json>, context);
  return { head: { [MARK]: 1, snapshot: head }, parts };
}

/** Rebuilds the snapshot that {@link splitSnapshot} split; a head that was kept whole is returned as it is. */
export function joinSnapshot(head: Json, parts: ReadonlyMap<string, Json>): Json {
  if (!isRecord(head) || head[MARK] !== 1 || !isRecord(head.snapshot)) return head;
  const snapshot = head.snapshot as Record<string, Json>;
  const headContext = snapshot.context as Record<string, Json>;
  const part = (name: string): Json => {
    const value = parts.get(name);
    if (value === undefined) throw new Error(`the stored run has no part "${name}"`);
    return value;
  };
  // An entry is a name (its record is a part, or pending when there is none) or a [name, record] pair kept in the head.
  const collect = (prefix: string, entries: Json, pendingIfAbsent: boolean): Record<string, Json> => {
    const records: Record<string, Json> = {};
    for (const entry of Array.isArray(entries) ? entries : []) {
      if (Array.isArray(entry)) {
        records[String(entry[0])] = entry[1] ?? null;
        continue;
      }
      const key = `${prefix}${String(entry)}`;
      records[String(entry)] = pendingIfAbsent && !parts.has(key) ? (pendingRecord() as unknown as Json) : part(key);
    }
    return records;
  };
  const inlined = (name: "input" | "data"): Json => {
    const value = headContext[name] ?? null;
    return isRecord(value) && value[REF] === name ? part(name) : value;
  };
  const context: Record<string, Json> = {
    ...headContext,
    input: inlined("input"),
    data: inlined("data"),
    steps: collect("step:", headContext.steps ?? [], true),
    compensations: collect("undo:", headContext.compensations ?? [], true),
    outputs: collect("output:", headContext.outputs ?? [], false),
  };
  const joined: Record<string, Json> = { ...snapshot, context };
  // Heads of the version before kept the result as a part.
  if (parts.has("result") && "output" in snapshot && snapshot.output === null) joined.output = part("result");
  if (isRecord(snapshot.children)) joined.children = withSharedValues(snapshot.children as Record<string, Json>, context);
  return joined;
}

/** Whether a value is small enough to write with every head: null, a short scalar, an empty object or array. */
function isSmall(value: Json): boolean {
  if (value === null || typeof value === "boolean" || typeof value === "number") return true;
  if (typeof value === "string") return value.length <= 64;
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

/** Whether a record has settled (it changes no more, so it is written once, as a part). */
function isSettled(value: Json): boolean {
  const status = isRecord(value) ? value.status : undefined;
  return status === "completed" || status === "failed" || status === "cancelled";
}

const PENDING_KEYS = Object.keys(pendingRecord()).length;

/** Whether a step record is a fresh one that never ran (it is rebuilt on join, so it needs no part). */
function isPendingRecord(value: Json): boolean {
  if (!isRecord(value) || value.status !== "pending" || Object.keys(value).length !== PENDING_KEYS) return false;
  const { attempts, startedAt, endedAt, retryAt, error, history } = value;
  return attempts === 0 && startedAt === null && endedAt === null && retryAt === null && error === null && Array.isArray(history) && history.length === 0;
}

/** The children with each attempt input's copy of the context's input, data or outputs replaced by a reference. */
function withSharedRefs(children: Record<string, Json>, context: Record<string, Json>): Record<string, Json> {
  return mapAttemptInputs(children, (input) => {
    const shared = { ...input };
    for (const field of SHARED) if (field in input && input[field] === context[field]) shared[field] = { [REF]: field };
    return shared;
  });
}

function withSharedValues(children: Record<string, Json>, context: Record<string, Json>): Record<string, Json> {
  return mapAttemptInputs(children, (input) => {
    const restored = { ...input };
    for (const field of SHARED) {
      const value = input[field];
      if (isRecord(value) && value[REF] === field) restored[field] = context[field] ?? null;
    }
    return restored;
  });
}

function mapAttemptInputs(
  children: Record<string, Json>,
  change: (input: Record<string, Json>) => Record<string, Json>,
): Record<string, Json> {
  const mapped: Record<string, Json> = {};
  for (const [id, child] of Object.entries(children)) {
    const inner = isRecord(child) ? child.snapshot : undefined;
    const input = isRecord(inner) ? inner.input : undefined;
    mapped[id] = isRecord(input) && isRecord(child) && isRecord(inner) ? { ...child, snapshot: { ...inner, input: change(input as Record<string, Json>) } } : (child as Json);
  }
  return mapped;
}
