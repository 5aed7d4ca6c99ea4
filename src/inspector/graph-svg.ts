/**
 * Draws a state machine: `layoutMachine` places its states (nested boxes) and transitions with
 * elkjs, `renderSvg` turns that layout into a standalone SVG with the active states highlighted.
 * The inspector page and `orchestrix export --format svg` share this drawing.
 */
import type { ElkExtendedEdge, ElkNode, ELK } from "elkjs/lib/elk-api.js";
import * as elkModule from "elkjs/lib/elk.bundled.js";

/** A machine definition as XState config JSON: what `flow.toJSON()` returns or an `@xstate.actor` event carries. */
export type MachineDefinition = Record<string, unknown>;

/** How a state is drawn: its colour family. */
export type StateTone = "normal" | "retrying" | "compensating" | "success" | "failure" | "cancelled";

/** One state of a laid-out machine, in absolute coordinates. */
export interface LaidOutState {
  /** Full path id, `machine.steps.reserve-stock.running`: what `activeStateIds` returns. */
  id: string;
  /** The state's key in its parent (the machine id for the root). */
  key: string;
  /** The parent's id; `null` for the root. */
  parent: string | null;
  kind: "atomic" | "compound" | "parallel" | "final";
  tone: StateTone;
  /** A direct child of a parallel state: one region. */
  region: boolean;
  description: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One transition, as a polyline in absolute coordinates. */
export interface LaidOutTransition {
  id: string;
  source: string;
  target: string;
  /** Short description: the event (`done`, `error`, `always`, `CANCEL`…) and its guard. */
  label: string;
  points: { x: number; y: number }[];
  labelBox: { x: number; y: number; width: number; height: number } | null;
}

/** A machine placed by elkjs, ready for {@link renderSvg}. */
export interface GraphLayout {
  machineId: string;
  width: number;
  height: number;
  /** Parents come before their children. */
  states: LaidOutState[];
  transitions: LaidOutTransition[];
  /** How many transitions could not be read because the reporter cut the definition short (its serialization depth limit). */
  truncated: number;
}

/** Options of {@link layoutMachine}. */
export interface LayoutOptions {
  /** Where transitions point. @default "DOWN" */
  direction?: "DOWN" | "RIGHT";
  /**
   * Draw every transition from the state that declares it. By default a transition that leaves a
   * compound state from deep inside is drawn from that compound state (`steps → compensating`), which
   * keeps saga graphs readable. @default false
   */
  exactEdges?: boolean;
}

/** Options of {@link renderSvg}. */
export interface RenderSvgOptions {
  /** Text of the SVG's `<title>`. @default the machine id */
  title?: string;
  /** Draw transition labels. @default true */
  labels?: boolean;
}

const FONT_SIZE = 12;
const CHAR_WIDTH = 7.1;
const LEAF_HEIGHT = 30;
const COMPOUND_HEADER = 26;
const EDGE_LABEL_HEIGHT = 14;
const EDGE_CHAR_WIDTH = 5.8;
/** Spacing is read per compound node, so every one of them gets it. */
const SPACING: Record<string, string> = {
  "elk.layered.spacing.nodeNodeBetweenLayers": "26",
  "elk.spacing.nodeNode": "18",
  "elk.spacing.edgeNode": "12",
  "elk.spacing.edgeEdge": "8",
  "elk.spacing.edgeLabel": "2",
};
/** Truncated subtrees come as these strings (safe-stable-stringify's `maximumDepth`). */
const CUT = new Set(["[Object]", "[Array]", "[Circular]"]);

interface StateNodeInfo {
  id: string;
  key: string;
  parent: StateNodeInfo | null;
  config: Record<string, unknown>;
  children: Map<string, StateNodeInfo>;
  kind: LaidOutState["kind"];
  tone: StateTone;
  region: boolean;
}

interface TransitionInfo {
  source: string;
  target: string;
  event: string;
  guard: string | null;
}

interface EdgeInfo {
  source: string;
  target: string;
  label: string;
}

/**
 * Lays out a machine definition (nested boxes for compound states, edges for transitions) with elkjs.
 * Accepts the config object or its JSON text; subtrees the reporter cut short are skipped and counted.
 */
export async function layoutMachine(definition: MachineDefinition | string, options: LayoutOptions = {}): Promise<GraphLayout> {
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
  const { truncated } = read;
  orderChildren(all, transitions, byId);

  const elkRoot = toElkNode(root);
  const containers = new Map<string, ElkNode>();
  walkElk(elkRoot, (node) => containers.set(node.id, node));
  const graph: ElkNode = {
    id: "__graph",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": options.direction ?? "DOWN",
      "elk.layered.cycleBreaking.strategy": "MODEL_ORDER",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
      ...SPACING,
      "elk.padding": "[top=8,left=8,bottom=8,right=8]",
    },
    children: [elkRoot],
  };
  const edges = dedupe(transitions);
  const reversed = new Set<number>();
  edges.forEach((edge, index) => {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) return;
    const ownerNode = edgeOwner(source, target);
    const owner = ownerNode ? (containers.get(ownerNode.id) ?? elkRoot) : graph;
    // A transition back to an earlier sibling (retrying → running) is given to elk the other way
    // round, so states keep their definition order; its points are reversed again when read back.
    const back = source.parent !== null && source.parent === target.parent && siblingIndex(target) < siblingIndex(source);
    if (back) reversed.add(index);
    const elkEdge: ElkExtendedEdge = {
      id: `e${index}`,
      sources: [back ? edge.target : edge.source],
      targets: [back ? edge.source : edge.target],
    };
    if (edge.label) {
      elkEdge.labels = [{ text: edge.label, width: edge.label.length * EDGE_CHAR_WIDTH + 6, height: EDGE_LABEL_HEIGHT }];
    }
    (owner.edges ??= []).push(elkEdge);
  });
  const laid = await elk().layout(graph);

  const states: LaidOutState[] = [];
  const positions = new Map<string, { x: number; y: number }>();
  const place = (node: ElkNode, offsetX: number, offsetY: number) => {
    const x = offsetX + (node.x ?? 0);
    const y = offsetY + (node.y ?? 0);
    positions.set(node.id, { x, y });
    const info = byId.get(node.id);
    if (info) {
      const description = info.config.description;
      states.push({
        id: info.id,
        key: info.key,
        parent: info.parent?.id ?? null,
        kind: info.kind,
        tone: info.tone,
        region: info.region,
        description: typeof description === "string" ? description : null,
        x,
        y,
        width: node.width ?? 0,
        height: node.height ?? 0,
      });
    }
    for (const child of node.children ?? []) place(child, x, y);
  };
  place(laid, 0, 0);

  const laidTransitions: LaidOutTransition[] = [];
  const collectEdges = (node: ElkNode) => {
    // With INCLUDE_CHILDREN, elkjs gives an edge's coordinates relative to the node that holds it.
    const origin = positions.get(node.id) ?? { x: 0, y: 0 };
    for (const edge of node.edges ?? []) {
      const index = Number(edge.id.slice(1));
      const source = edges[index];
      const section = edge.sections?.[0];
      if (!source || !section) continue;
      const shift = (point: { x: number; y: number }) => ({ x: origin.x + point.x, y: origin.y + point.y });
      const label = edge.labels?.[0];
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map(shift);
      if (reversed.has(index)) points.reverse();
      laidTransitions.push({
        id: edge.id,
        source: source.source,
        target: source.target,
        label: source.label,
        points,
        labelBox:
          label && label.x !== undefined && label.y !== undefined
            ? { x: origin.x + label.x, y: origin.y + label.y, width: label.width ?? 0, height: label.height ?? 0 }
            : null,
      });
    }
    for (const child of node.children ?? []) collectEdges(child);
  };
  collectEdges(laid);

  return { machineId, width: laid.width ?? 0, height: laid.height ?? 0, states, transitions: laidTransitions, truncated };
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

/**
 * Renders a layout as a standalone SVG document (styles included). States in `activeStateIds` are
 * highlighted; the innermost active ones (atomic or final) are filled. Every state is a
 * `<g data-state="id">`, so a page can move the highlight by toggling the `active`/`current` classes.
 */
export function renderSvg(layout: GraphLayout, activeStateIds: Iterable<string> = [], options: RenderSvgOptions = {}): string {
  const active = new Set(activeStateIds);
  const showLabels = options.labels ?? true;
  const width = Math.ceil(layout.width);
  const height = Math.ceil(layout.height);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="ox-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="${FONT_SIZE}">`,
    `<title>${escapeXml(options.title ?? layout.machineId)}</title>`,
    `<style>${GRAPH_CSS}</style>`,
    `<defs><marker id="ox-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="ox-arrowhead"/></marker></defs>`,
  );
  const leaves = layout.states.filter((state) => state.kind === "atomic" || state.kind === "final");
  const boxes = layout.states.filter((state) => state.kind === "compound" || state.kind === "parallel");
  out.push(`<g class="ox-boxes">`);
  for (const state of boxes) out.push(stateSvg(state, active, layout.machineId));
  out.push(`</g><g class="ox-transitions">`);
  for (const transition of layout.transitions) {
    const d = roundedPath(transition.points);
    out.push(
      `<g class="ox-transition" data-source="${escapeXml(transition.source)}" data-target="${escapeXml(transition.target)}">`,
      `<title>${escapeXml(`${shortId(transition.source, layout.machineId)} → ${shortId(transition.target, layout.machineId)}${transition.label ? `: ${transition.label}` : ""}`)}</title>`,
      `<path d="${d}" marker-end="url(#ox-arrow)"/>`,
    );
    if (showLabels && transition.label && transition.labelBox) {
      const box = transition.labelBox;
      out.push(
        `<text class="ox-edge-label" x="${fmt(box.x + 3)}" y="${fmt(box.y + box.height - 3)}">${escapeXml(transition.label)}</text>`,
      );
    }
    out.push(`</g>`);
  }
  out.push(`</g><g class="ox-leaves">`);
  for (const state of leaves) out.push(stateSvg(state, active, layout.machineId));
  out.push(`</g></svg>`);
  return out.join("");
}

/** Styles embedded in every SVG, so an exported file looks the same as the page. */
const GRAPH_CSS = [
  ".ox-graph{background:#fff}",
  ".ox-state rect.ox-frame{fill:#fff;stroke:#aab2bf;stroke-width:1}",
  ".ox-state text{fill:#1f2733}",
  ".ox-state.ox-compound>rect.ox-frame,.ox-state.ox-parallel>rect.ox-frame{fill:#f6f8fb;stroke:#c3cad5}",
  ".ox-state.ox-root>rect.ox-frame{fill:#fbfcfe;stroke:#8d97a6}",
  ".ox-state.ox-region>rect.ox-frame{stroke-dasharray:5 3}",
  ".ox-state .ox-title{font-weight:600}",
  ".ox-state .ox-badge{fill:#6b7584;font-size:10px}",
  ".ox-state.ox-final rect.ox-inner{fill:none;stroke:#aab2bf}",
  ".ox-tone-retrying>rect.ox-frame{fill:#fff7e6;stroke:#e0a43a}",
  ".ox-tone-compensating>rect.ox-frame{fill:#fff1f3;stroke:#e7a3ae}",
  ".ox-state.ox-compound.ox-tone-compensating>rect.ox-frame{fill:#fde8ec;stroke:#e497a4}",
  ".ox-tone-success>rect.ox-frame,.ox-tone-success rect.ox-inner{fill:#ecf8f0;stroke:#3aa26a}",
  ".ox-tone-failure>rect.ox-frame,.ox-tone-failure rect.ox-inner{fill:#fdeeee;stroke:#d35c5c}",
  ".ox-tone-cancelled>rect.ox-frame,.ox-tone-cancelled rect.ox-inner{fill:#f1f2f4;stroke:#8a919c}",
  ".ox-state.ox-active>rect.ox-frame{stroke:#2f6fdb;stroke-width:2}",
  ".ox-state.ox-active.ox-tone-compensating>rect.ox-frame{stroke:#c9354f}",
  ".ox-state.ox-current>rect.ox-frame{fill:#2f6fdb;stroke:#1d4fa8;stroke-width:2}",
  ".ox-state.ox-current text{fill:#fff;font-weight:600}",
  ".ox-state.ox-current.ox-tone-retrying>rect.ox-frame{fill:#e89a18;stroke:#a86a00}",
  ".ox-state.ox-current.ox-tone-compensating>rect.ox-frame{fill:#d2405a;stroke:#97263b}",
  ".ox-state.ox-current.ox-tone-success>rect.ox-frame{fill:#2e9a5e;stroke:#1d6d40}",
  ".ox-state.ox-current.ox-tone-failure>rect.ox-frame{fill:#c93c3c;stroke:#8e2020}",
  ".ox-state.ox-current.ox-tone-cancelled>rect.ox-frame{fill:#6b7280;stroke:#474d57}",
  ".ox-state.ox-current rect.ox-inner{stroke:#fff}",
  ".ox-transition path{fill:none;stroke:#8c96a5;stroke-width:1.2}",
  ".ox-arrowhead{fill:#8c96a5}",
  ".ox-edge-label{fill:#5b6472;font-size:10px}",
].join("");

function stateSvg(state: LaidOutState, active: Set<string>, machineId: string): string {
  const isLeaf = state.kind === "atomic" || state.kind === "final";
  const isActive = active.has(state.id);
  const classes = [
    "ox-state",
    `ox-${state.kind}`,
    `ox-tone-${state.tone}`,
    state.parent === null ? "ox-root" : "",
    state.region ? "ox-region" : "",
    isActive ? "ox-active" : "",
    isActive && isLeaf ? "ox-current" : "",
  ].filter(Boolean);
  const tip = `${shortId(state.id, machineId) || state.id}${state.description ? `\n${state.description}` : ""}`;
  const parts = [
    `<g class="${classes.join(" ")}" data-state="${escapeXml(state.id)}"${isLeaf ? ` data-leaf="1"` : ""}>`,
    `<title>${escapeXml(tip)}</title>`,
    `<rect class="ox-frame" x="${fmt(state.x)}" y="${fmt(state.y)}" width="${fmt(state.width)}" height="${fmt(state.height)}" rx="${isLeaf ? 6 : 8}"/>`,
  ];
  if (state.kind === "final") {
    parts.push(
      `<rect class="ox-inner" x="${fmt(state.x + 3)}" y="${fmt(state.y + 3)}" width="${fmt(state.width - 6)}" height="${fmt(state.height - 6)}" rx="4"/>`,
    );
  }
  if (isLeaf) {
    parts.push(
      `<text x="${fmt(state.x + state.width / 2)}" y="${fmt(state.y + state.height / 2 + 4)}" text-anchor="middle">${escapeXml(state.key)}</text>`,
    );
  } else {
    parts.push(`<text class="ox-title" x="${fmt(state.x + 10)}" y="${fmt(state.y + 17)}">${escapeXml(state.key)}</text>`);
    const badge = state.kind === "parallel" ? "parallel" : "";
    if (badge) {
      parts.push(
        `<text class="ox-badge" x="${fmt(state.x + 10 + state.key.length * (CHAR_WIDTH + 0.4) + 8)}" y="${fmt(state.y + 17)}">${badge}</text>`,
      );
    }
  }
  parts.push(`</g>`);
  return parts.join("");
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

/** Names carry meaning in Orchestrix machines (and read naturally in others): retrying, compensating, final outcomes. */
function toneOf(key: string, kind: LaidOutState["kind"], parent: StateNodeInfo | null): StateTone {
  if (key === "retrying") return "retrying";
  if (parent?.tone === "compensating" || (key === "compensating" && parent?.parent === null)) return "compensating";
  if (kind === "final") {
    if (key === "completed" || key === "done" || key === "success") return "success";
    if (key === "failed" || key === "compensation_failed" || key === "error") return "failure";
    if (key === "cancelled" || key === "canceled") return "cancelled";
  }
  return "normal";
}

function readTransitions(all: StateNodeInfo[], byCustomId: Map<string, StateNodeInfo>) {
  const transitions: TransitionInfo[] = [];
  let truncated = 0;
  const add = (source: StateNodeInfo, event: string, raw: unknown) => {
    const list = Array.isArray(raw) ? raw : [raw];
    for (const item of list) {
      if (typeof item === "string") {
        if (CUT.has(item)) {
          truncated++;
          continue;
        }
        pushTargets(source, event, null, item);
      } else if (isRecord(item)) {
        pushTargets(source, event, item.guard, item.target);
      }
    }
  };
  const pushTargets = (source: StateNodeInfo, event: string, guard: unknown, target: unknown) => {
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
      transitions.push({ source: source.id, target: resolved.id, event, guard: guardName(guard) });
    }
  };
  for (const node of all) {
    const { config } = node;
    if (isRecord(config.on)) for (const [event, raw] of Object.entries(config.on)) add(node, event, raw);
    else if (typeof config.on === "string" && CUT.has(config.on)) truncated++;
    if (config.always !== undefined) add(node, "always", config.always);
    if (isRecord(config.after)) for (const [delay, raw] of Object.entries(config.after)) add(node, `after ${delay}ms`, raw);
    if (config.onDone !== undefined) add(node, "done", config.onDone);
    const invokes = config.invoke === undefined ? [] : Array.isArray(config.invoke) ? config.invoke : [config.invoke];
    for (const invoke of invokes) {
      if (typeof invoke === "string" && CUT.has(invoke)) truncated++;
      if (!isRecord(invoke)) continue;
      if (invoke.onDone !== undefined) add(node, "done", invoke.onDone);
      if (invoke.onError !== undefined) add(node, "error", invoke.onError);
      if (invoke.onSnapshot !== undefined) add(node, "snapshot", invoke.onSnapshot);
    }
  }
  return { transitions, truncated };
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

function guardName(guard: unknown): string | null {
  const name = typeof guard === "string" ? guard : isRecord(guard) && typeof guard.type === "string" ? guard.type : null;
  return name === null || CUT.has(name) ? null : name;
}

/**
 * Alternatives between the same two states become one edge. A lone transition is labelled
 * `event [guard]`; merged ones list their events only, to keep the drawing readable.
 */
function dedupe(transitions: TransitionInfo[]): EdgeInfo[] {
  const byPair = new Map<string, TransitionInfo[]>();
  for (const transition of transitions) {
    const key = `${transition.source}\u0000${transition.target}`;
    const known = byPair.get(key);
    if (known) known.push(transition);
    else byPair.set(key, [transition]);
  }
  return [...byPair.values()].map((group) => {
    const first = group[0]!;
    const events = [...new Set(group.map((transition) => shorten(transition.event)))];
    const label =
      group.length === 1 && first.guard ? `${events[0]} [${first.guard}]` : events.join(" | ");
    return { source: first.source, target: first.target, label };
  });
}

function shorten(event: string): string {
  return event.length > 24 ? `${event.slice(0, 22)}…` : event;
}

function toElkNode(node: StateNodeInfo): ElkNode {
  if (node.children.size === 0) {
    const width = Math.max(node.kind === "final" ? 86 : 74, Math.ceil(node.key.length * CHAR_WIDTH) + 26);
    return { id: node.id, width, height: LEAF_HEIGHT };
  }
  const titleWidth = Math.ceil(node.key.length * (CHAR_WIDTH + 0.4)) + (node.kind === "parallel" ? 70 : 24);
  return {
    id: node.id,
    layoutOptions: {
      ...SPACING,
      "elk.padding": `[top=${COMPOUND_HEADER + 6},left=12,bottom=12,right=12]`,
      "elk.nodeSize.constraints": "MINIMUM_SIZE",
      "elk.nodeSize.minimum": `(${titleWidth}, ${COMPOUND_HEADER + 20})`,
    },
    children: [...node.children.values()].map(toElkNode),
  };
}

/** The node an edge belongs to in elk's graph: the lowest common ancestor (an edge to or from an ancestor belongs to that ancestor's parent). */
function edgeOwner(a: StateNodeInfo, b: StateNodeInfo): StateNodeInfo | null {
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
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (seen.has(current)) continue;
      seen.add(current);
      ordered.push(current);
      queue.push(...(next.get(current) ?? []));
    }
    for (const child of node.children.values()) if (!seen.has(child)) ordered.push(child);
    node.children = new Map(ordered.map((child) => [child.key, child]));
  }
}

function siblingIndex(node: StateNodeInfo): number {
  return node.parent ? [...node.parent.children.values()].indexOf(node) : 0;
}

function walk(node: StateNodeInfo, visit: (node: StateNodeInfo) => void): void {
  visit(node);
  for (const child of node.children.values()) walk(child, visit);
}

function walkElk(node: ElkNode, visit: (node: ElkNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walkElk(child, visit);
}

function roundedPath(points: { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return "";
  const parts = [`M${fmt(first.x)},${fmt(first.y)}`];
  for (let i = 0; i < rest.length; i++) {
    const current = rest[i]!;
    const next = rest[i + 1];
    const previous = i === 0 ? first : rest[i - 1]!;
    if (!next) {
      parts.push(`L${fmt(current.x)},${fmt(current.y)}`);
      break;
    }
    const radius = Math.min(5, distance(previous, current) / 2, distance(current, next) / 2);
    const before = towards(current, previous, radius);
    const after = towards(current, next, radius);
    parts.push(`L${fmt(before.x)},${fmt(before.y)}`, `Q${fmt(current.x)},${fmt(current.y)} ${fmt(after.x)},${fmt(after.y)}`);
  }
  return parts.join(" ");
}

function distance(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function towards(from: { x: number; y: number }, to: { x: number; y: number }, length: number) {
  const total = distance(from, to) || 1;
  return { x: from.x + ((to.x - from.x) * length) / total, y: from.y + ((to.y - from.y) * length) / total };
}

function shortId(id: string, machineId: string): string {
  return id === machineId ? "" : id.startsWith(`${machineId}.`) ? id.slice(machineId.length + 1) : id;
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

type ElkConstructor = new (args?: { defaultLayoutOptions?: Record<string, string> }) => ELK;
let instance: ELK | undefined;

/** elkjs is CommonJS: depending on the loader its constructor is the module or its `default`. */
function elk(): ELK {
  if (instance) return instance;
  let candidate: unknown = elkModule;
  while (typeof candidate !== "function" && isModule(candidate)) candidate = candidate.default;
  if (typeof candidate !== "function") throw new Error("Could not load elkjs (elkjs/lib/elk.bundled.js has no constructor)");
  instance = new (candidate as ElkConstructor)();
  return instance;
}

function isModule(value: unknown): value is { default: unknown } {
  return typeof value === "object" && value !== null && "default" in value;
}
