/** The example flows whose machines are kept in `machines/`, and how their files are rendered. */
import type { Flow } from "orchestrix";
import { EXPORT_FORMATS, renderFlow } from "../src/cli/commands/export.js";

/** Every example flow that gets machine files. */
export async function exampleFlows(): Promise<Flow<never, never>[]> {
  const { paymentFlow } = await import("../examples/flows.js");
  return [paymentFlow as unknown as Flow<never, never>];
}

/** The files of one flow, as `orchestrix export` writes them: `.json` (XState/Stately config), `.mmd` (Mermaid), `.svg`. */
export async function machineFiles(flow: Flow<never, never>): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const format of EXPORT_FORMATS) {
    const { file, text } = await renderFlow(flow as unknown as Flow, format);
    files[file] = text;
  }
  return files;
}

/** The README with its Mermaid block replaced by the payment saga's current diagram. */
export function readmeWithDiagram(readme: string, mermaid: string): string {
  return readme.replace(/```mermaid\n[\s\S]*?```/, `\`\`\`mermaid\n${mermaid}\`\`\``);
}
