import type { Flow } from "../src/index.js";
import type { BenchStep } from "./steps.js";

/**
 * The package as users get it: the build in dist/ (`npm run bench` builds it first). Run from
 * src/ through tsx, every closure made per run would also pay esbuild's `keepNames` wrapper.
 */
const { create } = (await import(new URL("../dist/index.js", import.meta.url).href)) as typeof import("../src/index.js");

/** A benchmarked Orchestrix flow: no schema, no input, outputs left untyped. */
export type BenchFlow = Flow<undefined, {}>;

/** Builds `create(name).step(…)…` from the given steps, with default step options and no schema. */
export function buildOrchestrixFlow(name: string, steps: readonly BenchStep[]): BenchFlow {
  let flow: BenchFlow = create<undefined>(name, { logging: false });
  // The step names are only known at run time, so the builder's per-name output typing is left out here.
  for (const step of steps) flow = flow.step(step.name, step.run);
  return flow;
}
