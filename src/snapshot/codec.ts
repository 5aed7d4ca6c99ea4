import { isRecord, type Json } from "../json.js";

/**
 * Splits a persisted Orchestrix snapshot into a small head and the parts that only grow or settle
 * once, so a store can write per transition only what changed: the input once, each step's record
 * when it changes, each output once, the result once. The head keeps the state value, the small
 * context fields and the names of the parts; attempt inputs in the children point at the context's
 * input, data and outputs instead of repeating them. {@link joinSnapshot} rebuilds the snapshot exactly.
 */
export interface SplitSnapshot {
  /** Written with every save. */
  head: Json;
  /** By part name (`input`, `data`, `step:<name>`, `undo:<name>`, `output:<name>`, `result`). */
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
  parts.set("input", context.input ?? null);
  parts.set("data", context.data ?? null);
  // Keys whose value is undefined are dropped, as JSON drops them.
  const names = (prefix: string, records: Record<string, Json>) =>
    Object.keys(records).filter((name) => {
      const value = records[name];
      if (value !== undefined) parts.set(`${prefix}${name}`, value);
      return value !== undefined;
    });
  const headContext: Record<string, Json> = {
    ...context,
    input: null,
    data: null,
    steps: names("step:", steps),
    compensations: names("undo:", compensations),
    outputs: names("output:", outputs),
  };
  const head: Record<string, Json> = { ...(snapshot as Record<string, Json>), context: headContext };
  if ("output" in snapshot && snapshot.output !== undefined) {
    parts.set("result", snapshot.output as Json);
    head.output = null;
  }
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
  const collect = (prefix: string, names: Json): Record<string, Json> =>
    Object.fromEntries((Array.isArray(names) ? names : []).map((name) => [String(name), part(`${prefix}${String(name)}`)]));
  const context: Record<string, Json> = {
    ...headContext,
    input: part("input"),
    data: part("data"),
    steps: collect("step:", headContext.steps ?? []),
    compensations: collect("undo:", headContext.compensations ?? []),
    outputs: collect("output:", headContext.outputs ?? []),
  };
  const joined: Record<string, Json> = { ...snapshot, context };
  if (parts.has("result") && "output" in snapshot) joined.output = part("result");
  if (isRecord(snapshot.children)) joined.children = withSharedValues(snapshot.children as Record<string, Json>, context);
  return joined;
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
