import { guardName as readGuard, invokeDoneEvent, transitionLabel } from "../graph/labels.js";

/** A state node of a machine config, as JSON. */
interface NodeJson {
  id?: string;
  type?: string;
  initial?: string;
  states?: Record<string, NodeJson>;
  on?: Record<string, TransitionJson | TransitionJson[]>;
  always?: TransitionJson | TransitionJson[];
  onDone?: TransitionJson | TransitionJson[];
  invoke?: { src?: string; onDone?: TransitionJson | TransitionJson[]; onError?: TransitionJson | TransitionJson[] };
}

type TransitionJson = string | { target?: string; guard?: string | { type: string } };

interface Edge {
  from: string[];
  to: string[];
  label: string;
}

/**
 * Draws a machine config (as JSON) as a Mermaid `stateDiagram-v2`. Mermaid cannot draw an edge
 * between states inside different composites, so each edge is lifted to the children of the
 * two ends' nearest common parent: "reserve-stock --> process-payment : done".
 */
export function toMermaid(config: Record<string, unknown>): string {
  const root = config as NodeJson;
  const rootId = root.id ?? "machine";
  const edgesByScope = new Map<string, Edge[]>();
  collectEdges(root, [], rootId, edgesByScope);

  const ids = new Map<string, string>();
  const used = new Set<string>();
  const idOf = (path: string[]) => {
    const key = path.join("\u0000");
    let id = ids.get(key);
    if (id === undefined) {
      const base = path.join("_").replace(/[^A-Za-z0-9_]/g, "_") || "root";
      id = base;
      for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
      used.add(id);
      ids.set(key, id);
    }
    return id;
  };

  const lines = ["stateDiagram-v2"];
  const emitScope = (node: NodeJson, path: string[], indent: string) => {
    const children = Object.entries(node.states ?? {});
    if (node.initial !== undefined) lines.push(`${indent}[*] --> ${idOf([...path, node.initial])}`);
    children.forEach(([key, child], index) => {
      const childPath = [...path, key];
      const id = idOf(childPath);
      if (child.states && Object.keys(child.states).length > 0) {
        lines.push(`${indent}state "${key}" as ${id} {`);
        emitScope(child, childPath, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${key}" as ${id}`);
      }
      if (child.type === "final") lines.push(`${indent}${id} --> [*]`);
      if (node.type === "parallel" && index < children.length - 1) lines.push(`${indent}--`);
    });
    if (node.type === "parallel") return;
    // Edges between the same two states are drawn once, their labels joined.
    const labels = new Map<string, string[]>();
    for (const edge of edgesByScope.get(path.join("\u0000")) ?? []) {
      const arrow = `${idOf(edge.from)} --> ${idOf(edge.to)}`;
      const known = labels.get(arrow) ?? [];
      if (edge.label && !known.includes(edge.label)) known.push(edge.label);
      labels.set(arrow, known);
    }
    for (const [arrow, known] of labels) lines.push(`${indent}${arrow}${known.length > 0 ? ` : ${known.join(" / ")}` : ""}`);
  };
  emitScope(root, [], "  ");
  return `${lines.join("\n")}\n`;
}

function collectEdges(node: NodeJson, path: string[], rootId: string, edgesByScope: Map<string, Edge[]>) {
  const add = (transitions: TransitionJson | TransitionJson[] | undefined, event: string) => {
    const list = transitions === undefined ? [] : Array.isArray(transitions) ? transitions : [transitions];
    list.forEach((transition, index) => {
      const previous = list[index - 1];
      const target = typeof transition === "string" ? transition : transition.target;
      if (target === undefined) return;
      const guard = typeof transition === "string" ? undefined : readGuard(transition.guard);
      const label = transitionLabel(event, guard, typeof previous === "object" ? readGuard(previous.guard) : undefined, index);
      const to = resolveTarget(target, path, rootId);
      let shared = 0;
      while (shared < path.length && shared < to.length - 1 && path[shared] === to[shared]) shared++;
      const scope = path.slice(0, shared);
      const edge = { from: path.slice(0, shared + 1), to: to.slice(0, shared + 1), label };
      const key = scope.join("\u0000");
      edgesByScope.set(key, [...(edgesByScope.get(key) ?? []), edge]);
    });
  };
  for (const [event, transitions] of Object.entries(node.on ?? {})) add(transitions, event);
  add(node.always, "");
  add(node.invoke?.onDone, invokeDoneEvent(node.invoke?.src));
  add(node.invoke?.onError, "error");
  add(node.onDone, "done");
  for (const [key, child] of Object.entries(node.states ?? {})) collectEdges(child, [...path, key], rootId, edgesByScope);
}

function resolveTarget(target: string, source: string[], rootId: string): string[] {
  if (target.startsWith(`#${rootId}.`)) return target.slice(rootId.length + 2).split(".");
  return [...source.slice(0, -1), ...target.split(".")];
}
