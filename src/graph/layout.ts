/**
 * Places a machine's states (nested boxes) and transitions with elkjs. Reading the definition is
 * `read.ts`; drawing the result is `render.ts`. The inspector runs all three in a worker thread
 * (`worker.ts`); `orchestrix export` runs them in its own.
 */
import type { ElkExtendedEdge, ElkNode, ELK } from "elkjs/lib/elk-api.js";
import { dedupe, edgeOwner, readMachine, type StateNodeInfo } from "./read.js";
import type { GraphLayout, LaidOutState, LaidOutTransition, LayoutOptions, MachineDefinition } from "./types.js";

/** Width of one character of a state's name, for sizing boxes (12 px system-ui). */
export const CHAR_WIDTH = 7.1;
const LEAF_HEIGHT = 30;
const MAX_LABEL = 44;
const COMPOUND_HEADER = 26;
const EDGE_LABEL_HEIGHT = 14;
const EDGE_CHAR_WIDTH = 5.8;
/** Edges that only shape the layout: laid out, never drawn. */
const UNSEEN = "u:";
/** How each graph elk lays out on its own is laid out: the whole machine, and each parallel state's content. */
const LAYERED: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.layered.cycleBreaking.strategy": "MODEL_ORDER",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
};
/** Spacing is read per compound node, so every one of them gets it. */
const SPACING: Record<string, string> = {
  "elk.layered.spacing.nodeNodeBetweenLayers": "26",
  "elk.spacing.nodeNode": "18",
  "elk.spacing.edgeNode": "12",
  "elk.spacing.edgeEdge": "8",
  "elk.spacing.edgeLabel": "2",
};

/**
 * A parallel state's branches are not connected to one another, so elk would pack them as it likes:
 * laid out on their own, they keep the definition's order, side by side.
 */
const PARALLEL: Record<string, string> = {
  "elk.hierarchyHandling": "SEPARATE_CHILDREN",
  "elk.layered.considerModelOrder.components": "MODEL_ORDER",
  // One row: the packer would otherwise wrap the branches into a grid.
  "elk.aspectRatio": "1000",
};

/**
 * Lays out a machine definition (nested boxes for compound states, edges for transitions) with elkjs.
 * Accepts the config object or its JSON text; subtrees the reporter cut short are skipped and counted.
 */
export async function layoutMachine(definition: MachineDefinition | string, options: LayoutOptions = {}): Promise<GraphLayout> {
  const machine = readMachine(definition, options.exactEdges ? { exactEdges: true } : {});
  const { machineId, root, byId, truncated } = machine;
  const direction = options.direction ?? "DOWN";
  const elkRoot = toElkNode(root, direction);
  const containers = new Map<string, ElkNode>();
  walkElk(elkRoot, (node) => containers.set(node.id, node));
  const graph: ElkNode = {
    id: "__graph",
    layoutOptions: {
      ...LAYERED,
      ...SPACING,
      "elk.direction": direction,
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.padding": "[top=8,left=8,bottom=8,right=8]",
    },
    children: [elkRoot],
  };
  const edges = dedupe(machine.transitions);
  const reversed = new Set<number>();
  const position = new Map<StateNodeInfo, number>();
  for (const state of machine.states) childrenInOrder(state).forEach((child, index) => position.set(child, index));
  edges.forEach((edge, index) => {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) return;
    const ownerNode = edgeOwner(source, target);
    const owner = ownerNode ? (containers.get(ownerNode.id) ?? elkRoot) : graph;
    // A transition back to an earlier sibling (retrying → running) is given to elk the other way
    // round, so states keep their definition order; its points are reversed again when read back.
    const back = source.parent !== null && source.parent === target.parent && (position.get(target) ?? 0) < (position.get(source) ?? 0);
    if (back) reversed.add(index);
    const elkEdge: ElkExtendedEdge = {
      id: `e${index}`,
      sources: [back ? edge.target : edge.source],
      targets: [back ? edge.source : edge.target],
    };
    // Inside a parallel branch labels would make each column as wide as its labels: there they are
    // left to the transition's tooltip.
    if (edge.label && !ownerNode?.region) {
      const text = shortLabel(edge.label);
      elkEdge.labels = [{ text, width: text.length * EDGE_CHAR_WIDTH + 6, height: EDGE_LABEL_HEIGHT }];
    }
    (owner.edges ??= []).push(elkEdge);
  });
  // A parallel group's branches sit side by side; inside each, unseen edges put one state per layer
  // (running, retrying, then its outcomes), so a branch is a narrow column, not a row of outcomes.
  for (const state of machine.states) {
    const container = state.region ? containers.get(state.id) : undefined;
    if (!container) continue;
    const column = childrenInOrder(state);
    for (let i = 1; i < column.length; i++) {
      (container.edges ??= []).push({ id: `${UNSEEN}${state.id}:${i}`, sources: [column[i - 1]!.id], targets: [column[i]!.id] });
    }
  }
  const laid = await (await elk()).layout(graph);

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
      if (edge.id.startsWith(UNSEEN)) continue;
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
        shownLabel: label?.text ?? "",
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

/** A label as drawn: long lists of alternatives are cut (the transition's tooltip has them all). */
function shortLabel(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1).trimEnd()}…` : label;
}

/**
 * A state's children in the order elk is given them. In a parallel branch, outcomes (final states)
 * come last, the order of its column: elk's model-order cycle breaking keeps edges along it.
 */
function childrenInOrder(node: StateNodeInfo): StateNodeInfo[] {
  const children = [...node.children.values()];
  return node.region ? children.sort((a, b) => Number(a.kind === "final") - Number(b.kind === "final")) : children;
}

/** `inParallel`: the node is inside a parallel state, whose content elk lays out on its own (see {@link PARALLEL}). */
function toElkNode(node: StateNodeInfo, direction: string, inParallel = false): ElkNode {
  if (node.children.size === 0) {
    const width = Math.max(node.kind === "final" ? 86 : 74, Math.ceil(node.key.length * CHAR_WIDTH) + 26);
    return { id: node.id, width, height: LEAF_HEIGHT };
  }
  const titleWidth = Math.ceil(node.key.length * (CHAR_WIDTH + 0.4)) + (node.kind === "parallel" ? 70 : 24);
  // A parallel state and what is inside it are laid out with their own options, not the whole machine's.
  const alone = inParallel || node.kind === "parallel";
  const children = childrenInOrder(node).map((child) => toElkNode(child, direction, alone));
  return {
    id: node.id,
    layoutOptions: {
      ...(alone ? { ...LAYERED, "elk.direction": direction } : {}),
      ...SPACING,
      "elk.padding": `[top=${COMPOUND_HEADER + 6},left=12,bottom=12,right=12]`,
      "elk.nodeSize.constraints": "MINIMUM_SIZE",
      "elk.nodeSize.minimum": minimumSize(titleWidth, COMPOUND_HEADER + 20, direction === "DOWN" && !alone),
      ...(node.kind === "parallel" ? PARALLEL : {}),
    },
    children,
  };
}

/**
 * A compound state's minimum size, as elk reads it. elkjs 0.11 lays a downward hierarchy out
 * transposed and does not transpose the minimum size of the compound nodes in it (a long title
 * made its box tall instead of wide), so there it is given the other way round; the parts it lays out
 * on their own (a parallel state's content) read it as given.
 */
function minimumSize(width: number, height: number, transposed: boolean): string {
  return transposed ? `(${height},${width})` : `(${width},${height})`;
}

function walkElk(node: ElkNode, visit: (node: ElkNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walkElk(child, visit);
}

type ElkConstructor = new (args?: { defaultLayoutOptions?: Record<string, string> }) => ELK;
let instance: ELK | undefined;

/**
 * elkjs, loaded on first use: it is 1.5 MB of JavaScript that every CLI start would otherwise parse
 * (most commands draw nothing). It is CommonJS: depending on the loader its constructor is the
 * module or its `default`.
 */
async function elk(): Promise<ELK> {
  if (instance) return instance;
  let candidate: unknown = await import("elkjs/lib/elk.bundled.js");
  while (typeof candidate !== "function" && isModule(candidate)) candidate = candidate.default;
  if (typeof candidate !== "function") throw new Error("Could not load elkjs (elkjs/lib/elk.bundled.js has no constructor)");
  instance = new (candidate as ElkConstructor)();
  return instance;
}

function isModule(value: unknown): value is { default: unknown } {
  return typeof value === "object" && value !== null && "default" in value;
}
