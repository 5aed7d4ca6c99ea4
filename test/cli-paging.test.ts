import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { create } from "orchestrix";
import { sqliteStore } from "orchestrix/sqlite";
import { cli as run } from "./helpers/cli.js";

/** Runs the CLI; a run that exits with another code than 0 rejects with its outcome, as `execFile` does. */
const cli = async (...args: string[]) => {
  const outcome = await run(args);
  if (outcome.code !== 0) throw Object.assign(new Error(`orchestrix ${args.join(" ")} exited ${outcome.code}`), outcome);
  return outcome;
};
let store: string;

beforeAll(async () => {
  const db = join(mkdtempSync(join(tmpdir(), "orchestrix-paging-")), "runs.db");
  const sqlite = sqliteStore({ path: db });
  const flow = create<{ n: number }>("paged").step("only", ({ input }) => input.n);
  // One run per millisecond at least, so the newest-first order is the order they ran in.
  for (let n = 1; n <= 5; n++) {
    await flow.run({ n }, { runId: `run-${n}`, store: sqlite });
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  await sqlite.close();
  store = `sqlite:${db}`;
}, 30_000);

const ids = (stdout: string) => [...stdout.matchAll(/^(run-\d)\s/gm)].map((match) => match[1]);
const cursorOf = (text: string) => /--after (\S+)/.exec(text)?.[1];

describe("orchestrix runs list, a page at a time", () => {
  it("prints where the next page starts, and --after goes on from there until the last page", async () => {
    const first = await cli("runs", "list", "--store", store, "--limit", "2");
    expect(ids(first.stdout)).toEqual(["run-5", "run-4"]);
    const second = await cli("runs", "list", "--store", store, "--limit", "2", "--after", cursorOf(first.stdout)!);
    expect(ids(second.stdout)).toEqual(["run-3", "run-2"]);
    const last = await cli("runs", "list", "--store", store, "--limit", "2", "--after", cursorOf(second.stdout)!);
    expect(ids(last.stdout)).toEqual(["run-1"]);
    expect(last.stdout).not.toContain("--after");
  }, 30_000);

  it("keeps --json a plain array, with the next cursor on stderr", async () => {
    const page = await cli("runs", "list", "--store", store, "--limit", "3", "--json");
    expect((JSON.parse(page.stdout) as { runId: string }[]).map((record) => record.runId)).toEqual(["run-5", "run-4", "run-3"]);
    const rest = await cli("runs", "list", "--store", store, "--limit", "3", "--json", "--after", cursorOf(page.stderr)!);
    expect((JSON.parse(rest.stdout) as { runId: string }[]).map((record) => record.runId)).toEqual(["run-2", "run-1"]);
    expect(rest.stderr).toBe("");
  }, 30_000);

  it("refuses a cursor no listing made", async () => {
    const failure = (await cli("runs", "list", "--store", store, "--after", "yesterday").catch((error: unknown) => error)) as {
      code: number;
      stderr: string;
    };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('The listing cursor "yesterday" is not one a listing returned');
  }, 30_000);
});
