/** What the plain and hand-written XState variants hand to a step: the run's input, earlier outputs and the attempt. */
export interface BenchStepContext {
  /** The run's input. */
  readonly input: unknown;
  /** Outputs of the steps completed so far, by step name. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** This attempt's number, starting at 1. */
  readonly attempt: number;
}

/** One step of a benchmarked flow: a name and an async function. */
export interface BenchStep {
  /** The step's name, unique in its flow. */
  readonly name: string;
  /** The step's work. */
  readonly run: (ctx: BenchStepContext) => Promise<unknown>;
}

/** Counts step executions, so each variant can be checked to really run every step. */
export const calls = { count: 0 };

/** The no-op async step every variant runs: it only counts the call and resolves with `undefined`. */
export async function noopStep(): Promise<undefined> {
  calls.count++;
  return undefined;
}

/** `count` no-op steps named `step-1` … `step-<count>`. */
export function makeSteps(count: number): BenchStep[] {
  return Array.from({ length: count }, (_, index) => ({ name: `step-${index + 1}`, run: noopStep }));
}
