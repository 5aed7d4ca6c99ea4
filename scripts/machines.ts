/** The example flows whose machines are kept in `machines/`, and how their files are rendered. */
import type { Flow } from "orchestrix";

/** Every example flow that gets a machine file. */
export async function exampleFlows(): Promise<Flow<never, never>[]> {
  const { paymentFlow } = await import("../examples/payment-flow.js");
  return [paymentFlow as unknown as Flow<never, never>];
}

/** The files of one flow: `<name>.json` (XState/Stately config) and `<name>.mmd` (Mermaid). */
export function machineFiles(flow: Flow<never, never>): Record<string, string> {
  return {
    [`${flow.name}.json`]: `${JSON.stringify(flow.toJSON(), null, 2)}\n`,
    [`${flow.name}.mmd`]: flow.toMermaid(),
  };
}

/** The README with its Mermaid block replaced by the payment saga's current diagram. */
export function readmeWithDiagram(readme: string, mermaid: string): string {
  return readme.replace(/```mermaid\n[\s\S]*?```/, `\`\`\`mermaid\n${mermaid}\`\`\``);
}
