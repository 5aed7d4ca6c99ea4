import { definitionHash, type FlowDefinition } from "../definition.js";
import { HookDispatcher } from "../hooks.js";
import { flowSetup } from "./implementations.js";
import { flowConfig } from "./states.js";

/** What `compileFlow` produces: the machine and the hash of the flow's shape (no process state). */
export interface CompiledFlow {
  machine: ReturnType<typeof createFlowMachine>;
  definitionHash: string;
}

/** Compiles a flow definition into an XState v5 machine (DESIGN §2). */
export function compileFlow(definition: FlowDefinition): CompiledFlow {
  const hash = definitionHash(definition.nodes);
  return { machine: createFlowMachine(definition, hash), definitionHash: hash };
}

/** The flow's implementations (`implementations.ts`) with its state tree (`states.ts`). */
function createFlowMachine(definition: FlowDefinition, hash: string) {
  const hooks = new HookDispatcher(definition.hooks, definition.plugins);
  return flowSetup(definition, hooks).createMachine(flowConfig(definition, hash, hooks));
}
