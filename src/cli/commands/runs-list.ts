import type { RunStatus } from "orchestrix";
import { ExitCode } from "../cli-error.js";
import { formatAgo, truncate } from "../format.js";
import { describeStatus } from "../liveness.js";
import { withStore } from "../store-url.js";
import { renderTable } from "../table.js";

/** Options of `orchestrix runs list`. */
export interface ListRunsOptions {
  store: string;
  status?: RunStatus[];
  flow?: string;
  limit: number;
  /** The cursor a previous page printed: the runs after it. */
  after?: string;
  json?: boolean;
}

/** `orchestrix runs list`: the most recently updated runs as a table, or as JSON records without snapshots. */
export async function listRuns(options: ListRunsOptions): Promise<number> {
  const { runs: records, next } = await withStore(options.store, { mustExist: true, readonly: true }, (store) =>
    store.list({
      limit: options.limit,
      ...(options.status ? { status: options.status } : {}),
      ...(options.flow !== undefined ? { flow: options.flow } : {}),
      ...(options.after !== undefined ? { after: options.after } : {}),
    }),
  );
  if (options.json) {
    console.log(JSON.stringify(records, null, 2));
    // The records stay a plain array on stdout; where the next page starts goes to stderr.
    if (next !== undefined) console.error(`next page: --after ${next}`);
    return ExitCode.OK;
  }
  if (records.length === 0) {
    console.log(`No runs${describeFilter(options)} in ${options.store}.`);
    return ExitCode.OK;
  }
  const now = Date.now();
  console.log(
    renderTable(
      ["RUN ID", "FLOW", "STATUS", "CURRENT STEP", { header: "ATTEMPTS", align: "right" }, "LAST ERROR", "UPDATED"],
      records.map((record) => [
        record.runId,
        record.flow,
        describeStatus(record, now, false),
        record.currentStep ?? "-",
        String(record.attempts),
        record.lastError === null ? "" : truncate(record.lastError, 48),
        formatAgo(record.updatedAt, now),
      ]),
    ),
  );
  if (next !== undefined) {
    console.log(`\nMore runs: add --after ${next} for the next ${options.limit}.`);
  }
  return ExitCode.OK;
}

function describeFilter(options: ListRunsOptions): string {
  const parts = [
    options.status ? ` with status ${options.status.join(" or ")}` : "",
    options.flow !== undefined ? ` of flow ${JSON.stringify(options.flow)}` : "",
  ];
  return parts.join("");
}
