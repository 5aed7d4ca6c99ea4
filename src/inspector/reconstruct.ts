/**
 * Orchestrix runs reported through `createWebSocketInspector()` arrive with their machine cut short
 * at the reporter's depth limit (10 by default): the transitions inside parallel branches are lost.
 * What survives is enough to name the flow's shape (step order, groups and their branches, which
 * steps can be undone), and the run's context carries the flow's definition hash. So the inspector
 * builds that shape again with the public builder and keeps the result only when its hash is the
 * run's: then its `toJSON()` is the complete machine.
 */
import { create, type Flow } from "orchestrix";
import { isRecord } from "../graph/guards.js";
import type { MachineDefinition } from "../graph/types.js";

interface Shape {
  name: string;
  nodes: ({ kind: "step"; name: string } | { kind: "parallel"; name: string; branches: string[] })[];
  undoable: Set<string>;
}

/** The complete definition of the Orchestrix flow whose (possibly cut) machine this is, if its hash is `hash`. */
export function completeDefinition(reported: MachineDefinition, hash: string): MachineDefinition | null {
  const shape = shapeOf(reported);
  if (!shape) return null;
  for (const failFast of [false, true]) {
    const flow = build(shape, failFast);
    if (flow?.definitionHash === hash) return flow.toJSON();
  }
  return null;
}

function shapeOf(config: MachineDefinition): Shape | null {
  const name = config.id;
  const states = isRecord(config.states) ? config.states : null;
  const steps = states && isRecord(states.steps) ? states.steps : null;
  const stepStates = steps && isRecord(steps.states) ? steps.states : null;
  if (typeof name !== "string" || !steps || !stepStates || typeof steps.initial !== "string") return null;
  const nodes: Shape["nodes"] = [];
  const seen = new Set<string>();
  for (let key: string | null = steps.initial; key !== null; ) {
    const node = stepStates[key];
    if (!isRecord(node) || seen.has(key)) return null;
    seen.add(key);
    if (node.type === "parallel") nodes.push({ kind: "parallel", name: key, branches: branchesOf(node) });
    else nodes.push({ kind: "step", name: key });
    key = nextStep(name, node);
  }
  if (seen.size !== Object.keys(stepStates).length) return null;
  const compensating = states && isRecord(states.compensating) && isRecord(states.compensating.states) ? states.compensating.states : {};
  return { name, nodes, undoable: new Set(Object.keys(compensating).filter((key) => key !== "done")) };
}

/** A step's successor: the target of its last `onDone` alternative, when it is another step. */
function nextStep(machineId: string, node: Record<string, unknown>): string | null {
  const running = isRecord(node.states) && isRecord(node.states.running) ? node.states.running : null;
  const onDone = node.type === "parallel" ? node.onDone : running && isRecord(running.invoke) ? running.invoke.onDone : undefined;
  const list = Array.isArray(onDone) ? onDone : [onDone];
  const last: unknown = list[list.length - 1];
  const target = isRecord(last) ? last.target : last;
  const prefix = `#${machineId}.steps.`;
  return typeof target === "string" && target.startsWith(prefix) ? target.slice(prefix.length) : null;
}

/** A group's branches in definition order: its `groupFailed` guard lists them; else the keys. */
function branchesOf(node: Record<string, unknown>): string[] {
  const list = Array.isArray(node.onDone) ? node.onDone : [];
  for (const alternative of list) {
    if (!isRecord(alternative) || !isRecord(alternative.guard) || !isRecord(alternative.guard.params)) continue;
    const branches = alternative.guard.params.branches;
    if (Array.isArray(branches) && branches.every((branch) => typeof branch === "string")) return branches;
  }
  return isRecord(node.states) ? Object.keys(node.states) : [];
}

interface LooseBuilder {
  step(name: string, fn: () => undefined, options: object): LooseBuilder;
  parallel(name: string, branches: object[], options: object): LooseBuilder;
}

function build(shape: Shape, failFast: boolean): Flow | null {
  const noop = () => undefined;
  const options = (name: string) => (shape.undoable.has(name) ? { compensate: noop } : {});
  try {
    // The builder's types follow each step's output; a shape read at run time has none to follow.
    let builder = create(shape.name) as unknown as LooseBuilder;
    for (const node of shape.nodes) {
      builder =
        node.kind === "step"
          ? builder.step(node.name, noop, options(node.name))
          : builder.parallel(node.name, node.branches.map((branch) => ({ name: branch, fn: noop, options: options(branch) })), { failFast });
    }
    return builder as unknown as Flow;
  } catch {
    return null;
  }
}
