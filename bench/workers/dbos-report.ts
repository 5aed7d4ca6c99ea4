/** What a DBOS process of the worker benchmark (`bench/peers/dbos-process.ts`) reports over IPC once its runs have ended. */
export interface DbosReport {
  /** Always `done`. */
  type: "done";
  /** Epoch ms when the first workflow started. */
  startedAt: number;
  /** Epoch ms when the last workflow ended. */
  endedAt: number;
  /** Each workflow's start → result time, in ms. */
  latencies: number[];
}
