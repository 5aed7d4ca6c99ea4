/**
 * Reads a machine definition (XState config JSON, as `flow.toJSON()` returns it or a reporter sends
 * it, maybe cut short) into a tree of states and the transitions between them. No layout here.
 */
import { isRecord } from "./guards.js";
import { guardName, invokeDoneEvent, transitionLabel } from "./labels.js";
import type { LaidOutState, MachineDefinition, StateTone } from "./types.js";

/** Truncated subtrees come as these strings (safe-stable-stringify's `maximumDepth`). */
const CUT = new Set(["[Object]", "[Array]", "[Circular]"]);

/** One state of the machine as read. */
export interface StateNodeInfo {
  id: string;
  key: string;
  parent: StateNodeInfo | null;
  config: Record<string, unknown>;
  children: Map<string, StateNodeInfo>;
  kind: LaidOutState["kind"];
  tone: StateTone;
  region: boolean;
}

/** One transition as read: its ends by state id, and its label (`error [retries left]`). */
export interface TransitionInfo {
  source: string;
  target: string;
  label: string;
}

/** A machine as read: its states (parents first) and transitions. */
export interface MachineGraph {
  machineId: string;
  root: StateNodeInfo;
  /** Every state, parents before their children, children in the order a run meets them. */
  states: StateNodeInfo[];
  byId: Map<string, StateNodeInfo>;
  transitions: TransitionInfo[];
  /** How many transitions could not be read because the reporter cut the definition short. */
  truncated: number;
}

/**
 * Reads a machine definition. By default a transition that leaves a compound state from deep inside
 * is given from that compound state (`steps → compensating`); `exactEdges` keeps the declaring state.
 */
export function readMachine(definition: MachineDefinition | string, options: { exactEdges?: boolean } = {}): MachineGraph {
  const config = typeof definition === "string" ? (JSON.parse(definition) as unknown) : definition;
  if (!isRecord(config)) throw new TypeError(`Expected a machine definition object, got ${describe(config)}`);
  const machineId = typeof config.id === "string" && config.id !== "" ? config.id : "(machine)";
  const root = readStates(machineId, machineId, null, config, false);
  const byCustomId = new Map<string, StateNodeInfo>();
  const all: StateNodeInfo[] = [];
  walk(root, (node) => {
    all.push(node);
    const custom = node.config.id;
    if (node.parent && typeof custom === "string") byCustomId.set(custom, node);
  });
  byCustomId.set(machineId, root);
  const read = readTransitions(all, byCustomId);
  const byId = new Map(all.map((node) => [node.id, node]));
  const transitions = options.exactEdges ? read.transitions : read.transitions.map((transition) => lift(transition, byId));
  orderChildren(all, transitions, byId);
  const states: StateNodeInfo[] = [];
  walk(root, (node) => states.push(node));
  return { machineId, root, states, byId, transitions, truncated: read.truncated };
}

/**
 * The ids of every active state for a snapshot `value` (ancestors included), in the form `layoutMachine` uses.
 * @example activeStateIds("payment-saga", { steps: { "reserve-stock": "running" } }) // ["payment-saga", "payment-saga.steps", …]
 */
export function activeStateIds(machineId: string, value: unknown): string[] {
  const ids = [machineId];
  const visit = (prefix: string, current: unknown) => {
    if (typeof current === "string") {
      ids.push(`${prefix}.${current}`);
      return;
    }
    if (!isRecord(current)) return;
    for (const [key, child] of Object.entries(current)) {
      ids.push(`${prefix}.${key}`);
      visit(`${prefix}.${key}`, child);
    }
  };
  visit(machineId, value);
  return ids;
}

/** The ids of every state of a definition, parents first: a walk of its `states`, without reading transitions. */
export function stateIdsOf(definition: MachineDefinition): string[] {
  const machineId = typeof definition.id === "string" && definition.id !== "" ? definition.id : "(machine)";
  const ids: string[] = [];
  const visit = (id: string, config: Record<string, unknown>) => {
    ids.push(id);
    if (isRecord(config.states)) for (const [key, child] of Object.entries(config.states)) if (isRecord(child)) visit(`${id}.${key}`, child);
  };
  visit(machineId, definition);
  return ids;
}

/** The innermost active states of a snapshot `value`, relative to the machine (`steps.process-payment.retrying`), comma-joined; `null` when none. */
export function currentStates(machineId: string, value: unknown): string | null {
  const ids = activeStateIds(machineId, value).slice(1);
  const leaves = ids.filter((id) => !ids.some((other) => other.startsWith(`${id}.`)));
  return leaves.length === 0 ? null : leaves.map((id) => id.slice(machineId.length + 1)).join(", ");
}

function readStates(
  machineId: string,
  key: string,
  parent: StateNodeInfo | null,
  config: Record<string, unknown>,
  region: boolean,
): StateNodeInfo {
  const id = parent ? `${parent.id}.${key}` : machineId;
  const type = config.type;
  const childConfigs = isRecord(config.states) ? config.states : {};
  const hasChildren = Object.keys(childConfigs).length > 0;
  const kind: LaidOutState["kind"] =
    type === "final" ? "final" : type === "parallel" ? "parallel" : hasChildren ? "compound" : "atomic";
  const node: StateNodeInfo = {
    id,
    key,
    parent,
    config,
    children: new Map(),
    kind,
    tone: toneOf(key, kind, parent),
    region,
  };
  for (const [childKey, childConfig] of Object.entries(childConfigs)) {
    if (!isRecord(childConfig)) continue;
    node.children.set(childKey, readStates(machineId, childKey, node, childConfig, kind === "parallel"));
  }
  return node;
}

/**
 * Tones of states by their key: names carry meaning in Orchestrix machines (and read naturally in
 * others). A new kind of state with a colour of its own adds its key here, its tone to `StateTone`
 * and its style to `render.ts`.
 */
const TONE_OF_KEY: Readonly<Record<string, StateTone>> = { retrying: "retrying", waiting: "waiting", sleeping: "waiting" };
/** Tones of final states by their key: the outcomes. */
const TONE_OF_FINAL: Readonly<Record<string, StateTone>> = {
  completed: "success",
  done: "success",
  success: "success",
  failed: "failure",
  compensation_failed: "failure",
  error: "failure",
  cancelled: "cancelled",
  canceled: "cancelled",
};

function toneOf(key: string, kind: LaidOutState["kind"], parent: StateNodeInfo | null): StateTone {
  const own = Object.hasOwn(TONE_OF_KEY, key) ? TONE_OF_KEY[key] : undefined;
  if (own) return own;
  // The compensating branch, and everything inside it.
  if (parent?.tone === "compensating" || (key === "compensating" && parent?.parent === null)) return "compensating";
  if (kind === "final" && Object.hasOwn(TONE_OF_FINAL, key)) return TONE_OF_FINAL[key] ?? "normal";
  return "normal";
}

function readTransitions(all: StateNodeInfo[], byCustomId: Map<string, StateNodeInfo>) {
  const transitions: TransitionInfo[] = [];
  let truncated = 0;
  const add = (source: StateNodeInfo, event: string, raw: unknown) => {
    const list = Array.isArray(raw) ? raw : [raw];
    list.forEach((item, index) => {
      const previous: unknown = list[index - 1];
      const previousGuard = isRecord(previous) ? readGuard(previous.guard) : undefined;
      if (typeof item === "string") {
        if (CUT.has(item)) truncated++;
        else pushTargets(source, transitionLabel(event, undefined, previousGuard, index), item);
      } else if (isRecord(item)) {
        pushTargets(source, transitionLabel(event, readGuard(item.guard), previousGuard, index), item.target);
      }
    });
  };
  const pushTargets = (source: StateNodeInfo, label: string, target: unknown) => {
    if (target === undefined || target === null) return;
    const targets = Array.isArray(target) ? target : [target];
    for (const one of targets) {
      if (typeof one !== "string") continue;
      if (CUT.has(one)) {
        truncated++;
        continue;
      }
      const resolved = resolveTarget(source, one, byCustomId);
      if (!resolved || resolved === source) continue;
      transitions.push({ source: source.id, target: resolved.id, label });
    }
  };
  for (const node of all) {
    const { config } = node;
    if (isRecord(config.on)) for (const [event, raw] of Object.entries(config.on)) add(node, event, raw);
    else if (typeof config.on === "string" && CUT.has(config.on)) truncated++;
    if (config.always !== undefined) add(node, "", config.always);
    if (isRecord(config.after)) for (const [delay, raw] of Object.entries(config.after)) add(node, `after ${delay}ms`, raw);
    if (config.onDone !== undefined) add(node, "done", config.onDone);
    const invokes = config.invoke === undefined ? [] : Array.isArray(config.invoke) ? config.invoke : [config.invoke];
    for (const invoke of invokes) {
      if (typeof invoke === "string" && CUT.has(invoke)) truncated++;
      if (!isRecord(invoke)) continue;
      if (invoke.onDone !== undefined) add(node, invokeDoneEvent(invoke.src), invoke.onDone);
      if (invoke.onError !== undefined) add(node, "error", invoke.onError);
      if (invoke.onSnapshot !== undefined) add(node, "snapshot", invoke.onSnapshot);
    }
  }
  return { transitions, truncated };
}

function readGuard(guard: unknown): string | undefined {
  const name = guardName(guard);
  return name === undefined || CUT.has(name) ? undefined : name;
}

/** XState v5 targets: `#id.path`, `.child` (of the source), or `sibling.path` (of the source's parent). */
function resolveTarget(source: StateNodeInfo, target: string, byCustomId: Map<string, StateNodeInfo>): StateNodeInfo | undefined {
  let start: StateNodeInfo | undefined;
  let path: string[];
  if (target.startsWith("#")) {
    const [id = "", ...rest] = target.slice(1).split(".");
    start = byCustomId.get(id);
    path = rest;
  } else if (target.startsWith(".")) {
    start = source;
    path = target.slice(1).split(".");
  } else {
    start = source.parent ?? source;
    path = target.split(".");
  }
  let current = start;
  for (const key of path) {
    if (!current) return undefined;
    current = current.children.get(key);
  }
  return current;
}

/** Alternatives between the same two states become one edge, their labels joined as Mermaid joins them. */
export function dedupe(transitions: TransitionInfo[]): TransitionInfo[] {
  const byPair = new Map<string, TransitionInfo & { labels: string[] }>();
  for (const transition of transitions) {
    const key = `${transition.source}\u0000${transition.target}`;
    const known = byPair.get(key);
    if (!known) byPair.set(key, { ...transition, labels: transition.label ? [transition.label] : [] });
    else if (transition.label && !known.labels.includes(transition.label)) known.labels.push(transition.label);
  }
  return [...byPair.values()].map(({ source, target, labels }) => ({ source, target, label: labels.join(" / ") }));
}

/** The node an edge belongs to in elk's graph: the lowest common ancestor (an edge to or from an ancestor belongs to that ancestor's parent). */
export function edgeOwner(a: StateNodeInfo, b: StateNodeInfo): StateNodeInfo | null {
  const chain = (node: StateNodeInfo) => {
    const list: StateNodeInfo[] = [];
    for (let at: StateNodeInfo | null = node; at; at = at.parent) list.push(at);
    return list;
  };
  const ofA = chain(a);
  const ofB = chain(b);
  if (ofB.includes(a)) return a.parent;
  if (ofA.includes(b)) return b.parent;
  const common = new Set(ofB);
  return ofA.find((node) => common.has(node)) ?? null;
}

/** Draws a transition that leaves a compound state from that compound state: its source becomes the ancestor just below the common ancestor. */
function lift(transition: TransitionInfo, byId: Map<string, StateNodeInfo>): TransitionInfo {
  const source = byId.get(transition.source);
  const target = byId.get(transition.target);
  if (!source || !target) return transition;
  const owner = edgeOwner(source, target);
  let from = source;
  while (from.parent && from.parent !== owner && from.parent !== target && from !== target) from = from.parent;
  return from === source || from === target ? transition : { ...transition, source: from.id };
}

/**
 * Puts each state's children in the order a run meets them: the initial state first, then those its
 * transitions lead to. Reporters may sort keys alphabetically (safe-stable-stringify does), so the
 * definition's own order cannot be relied on; elk keeps this order, and back edges follow from it.
 */
function orderChildren(all: StateNodeInfo[], transitions: TransitionInfo[], byId: Map<string, StateNodeInfo>): void {
  const next = new Map<StateNodeInfo, StateNodeInfo[]>();
  for (const transition of transitions) {
    const source = byId.get(transition.source);
    const target = byId.get(transition.target);
    if (!source || !target) continue;
    // Lift both ends to the children of their lowest common ancestor: that is where the edge orders siblings.
    const targetChain = new Set<StateNodeInfo>();
    for (let at: StateNodeInfo | null = target; at; at = at.parent) targetChain.add(at);
    let from: StateNodeInfo | null = source;
    while (from?.parent && !targetChain.has(from.parent)) from = from.parent;
    if (!from?.parent) continue;
    let to: StateNodeInfo | null = target;
    while (to && to.parent !== from.parent) to = to.parent;
    if (!to || to === from) continue;
    const list = next.get(from) ?? [];
    list.push(to);
    next.set(from, list);
  }
  for (const node of all) {
    if (node.children.size < 2) continue;
    const initial = typeof node.config.initial === "string" ? node.children.get(node.config.initial) : undefined;
    const ordered: StateNodeInfo[] = [];
    const seen = new Set<StateNodeInfo>();
    const queue = initial ? [initial] : [];
    for (let at = 0; at < queue.length; at++) {
      const current = queue[at]!;
      if (seen.has(current)) continue;
      seen.add(current);
      ordered.push(current);
      queue.push(...(next.get(current) ?? []));
    }
    for (const child of node.children.values()) if (!seen.has(child)) ordered.push(child);
    node.children = new Map(ordered.map((child) => [child.key, child]));
  }
}

function walk(node: StateNodeInfo, visit: (node: StateNodeInfo) => void): void {
  visit(node);
  for (const child of node.children.values()) walk(child, visit);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
