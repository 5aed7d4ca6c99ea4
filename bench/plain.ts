import type { BenchStep } from "./steps.js";

/** What the plain-async baseline returns: whether every step succeeded, and their outputs. */
export interface PlainResult {
  /** `"completed"` when every step succeeded, `"failed"` at the first error. */
  status: "completed" | "failed";
  /** Outputs of the steps that completed, by step name. */
  outputs: Record<string, unknown>;
  /** The error that stopped the run, if any. */
  error?: unknown;
}

/** The baseline: awaits each step in a for loop, each inside its own try/catch. */
export async function runPlain(steps: readonly BenchStep[], input: unknown): Promise<PlainResult> {
  const outputs: Record<string, unknown> = {};
  for (const step of steps) {
    try {
      outputs[step.name] = await step.run({ input, outputs, attempt: 1 });
    } catch (error) {
      return { status: "failed", outputs, error };
    }
  }
  return { status: "completed", outputs };
}
