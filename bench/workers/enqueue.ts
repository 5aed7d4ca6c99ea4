import * as postgres from "orchestrix/postgres";
import type { PostgresStore } from "orchestrix/postgres";

type Enqueue = (input: unknown, options: { store: PostgresStore; runId: string }) => Promise<unknown>;
type StandaloneEnqueue = (flow: unknown, input: unknown, options: { store: PostgresStore; runId: string }) => Promise<unknown>;

/**
 * Queues a run of a bench saga with input `{ orderId: runId }`: with `flow.enqueue` where the Flow
 * has it (the run's record and its job in one transaction), else with `enqueue` of
 * orchestrix/postgres, so the benchmark measures whichever of the two this build has.
 */
export async function enqueueRun(flow: object, store: PostgresStore, runId: string): Promise<void> {
  const input = { orderId: runId };
  const onFlow = (flow as { enqueue?: Enqueue }).enqueue;
  const standalone = (postgres as { enqueue?: StandaloneEnqueue }).enqueue;
  if (onFlow) await onFlow.call(flow, input, { store, runId });
  else if (standalone) await standalone(flow, input, { store, runId });
  else throw new Error("This build has neither flow.enqueue nor enqueue in orchestrix/postgres");
}
