import type { AnyStateMachine } from "xstate";
import { definitionHash, flattenSteps, type FlowDefinition } from "../definition.js";
import { HookDispatcher } from "../hooks.js";
import { flowSetup, type ChildMachines } from "./implementations.js";
import { flowConfig, type MachineMode } from "./states.js";

/** What `compileFlow` produces: the machine and the hash of the flow's shape (no process state). */
export interface CompiledFlow {
  machine: ReturnType<typeof createFlowMachine>;
  definitionHash: string;
}

/** Compiles a flow definition into an XState v5 machine (DESIGN §2). */
export function compileFlow(definition: FlowDefinition): CompiledFlow {
  const hash = definitionHash(definition.nodes);
  return { machine: createFlowMachine(definition, hash, "run"), definitionHash: hash };
}

const undoMachines = new WeakMap<FlowDefinition, AnyStateMachine>();

/** The machine that undoes a completed run of `definition` (compiled once per definition). */
function undoMachineOf(definition: FlowDefinition): AnyStateMachine {
  let machine = undoMachines.get(definition);
  if (!machine) undoMachines.set(definition, (machine = createFlowMachine(definition, definitionHash(definition.nodes), "undo")));
  return machine;
}

/** The machines the `.child()` steps of a flow invoke: each child's own machine, and its undo. */
function childMachinesOf(definition: FlowDefinition): ChildMachines {
  const machines: ChildMachines = {};
  for (const step of flattenSteps(definition.nodes)) {
    if (!step.child) continue;
    machines[`child:${step.name}`] = step.child.flow.machine as AnyStateMachine;
    machines[`undo:${step.name}`] = undoMachineOf(step.child.flow.definition);
  }
  return machines;
}

/** The flow's implementations (`implementations.ts`) with its state tree (`states.ts`). */
function createFlowMachine(definition: FlowDefinition, hash: string, mode: MachineMode) {
  const hooks = new HookDispatcher(definition.hooks, definition.plugins);
  return flowSetup(definition, hooks, childMachinesOf(definition)).createMachine(flowConfig(definition, hash, hooks, mode));
}
