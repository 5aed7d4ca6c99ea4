import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInspector } from "../src/inspector/index.js";
import { cli, killAll, startCli, waitForOutput } from "./helpers/cli.js";

const FLAKY = "test/fixtures/cli-flaky.mjs";
const isRoot = process.getuid?.() === 0;
/** As root, the read-only checks run as `nobody`, whom file permissions do stop. */
const asUser = isRoot ? { uid: 65534, gid: 65534 } : {};

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "orchestrix-cli-edges-"));
  chmodSync(dir, 0o777);
  db = join(dir, "runs.db");
  const { code, stderr } = await cli(["run", FLAKY, "--store", `sqlite:${db}`, "--run-id", "flaky-1"]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
});

afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

// Every test below reads the one run made in beforeAll or works on files and ports of its own, and
// each waits mostly on its CLI processes: the suites and their tests run side by side.

/** A line of the output that starts with `start`. */
const lineOf = (output: string, start: string) => output.split("\n").find((line) => line.startsWith(start)) ?? "";

describe.concurrent("reading a finished run", () => {
  it("runs show of a completed run lists no compensation as pending", async () => {
    const { code, stdout } = await cli(["runs", "show", "flaky-1", "--store", `sqlite:${db}`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^charge +completed +2 /m);
    expect(stdout).toContain("Compensations\n(none needed: the run completed)");
    expect(stdout).not.toContain("pending");
    // The failed first attempt is history, not the run's error.
    expect(stdout).not.toMatch(/^(Last error|Error) /m);
  });

  it("runs list shows a retried-then-successful run's attempts and no current error, in the table and in JSON", async () => {
    const [table, json] = await Promise.all([
      cli(["runs", "list", "--store", `sqlite:${db}`]),
      cli(["runs", "list", "--store", `sqlite:${db}`, "--json"]),
    ]);
    expect(lineOf(table.stdout, "flaky-1 ")).toMatch(/^flaky-1 +cli-flaky +completed +- +3 +(\d+ s ago|just now)$/);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ runId: "flaky-1", status: "completed", attempts: 3, lastError: null })]);
  });
});

describe.concurrent("read-only commands", () => {
  it("read a database file they may not write, and leave it byte for byte as it was", async () => {
    const copy = join(dir, "readonly.db");
    writeFileSync(copy, readFileSync(db));
    chmodSync(copy, 0o444);
    const before = readFileSync(copy);
    const [list, show] = await Promise.all([
      cli(["runs", "list", "--store", `sqlite:${copy}`], asUser),
      cli(["runs", "show", "flaky-1", "--store", `sqlite:${copy}`], asUser),
    ]);
    expect(list.stderr).toBe("");
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("flaky-1");
    expect(show.stderr).toBe("");
    expect(show.code).toBe(0);
    expect(readFileSync(copy).equals(before)).toBe(true);
  });

  it("refuse a 0-byte file in one line, and never turn it into a database", async () => {
    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    const [list, show] = await Promise.all([
      cli(["runs", "list", "--store", `sqlite:${empty}`]),
      cli(["runs", "show", "x", "--store", `sqlite:${empty}`]),
    ]);
    for (const outcome of [list, show]) {
      expect(outcome.code).toBe(1);
      expect(outcome.stderr.trim().split("\n")).toEqual([`orchestrix: ${empty} is empty: it is not an Orchestrix database yet, and was opened read-only, so it was left as it is`]);
    }
    expect(statSync(empty).size).toBe(0);
  });
});

describe.concurrent("orchestrix inspect", () => {
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it("--port 0 picks a free port and prints it; --host 127.0.0.2 prints that address; Ctrl-C stops it", async () => {
    const started = startCli(["inspect", "--port", "0", "--host", "127.0.0.2"]);
    try {
      const [, url, port] = await waitForOutput(started, /Orchestrix inspector: (http:\/\/127\.0\.0\.2:(\d+)\/)/);
      expect(Number(port)).toBeGreaterThan(0);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      // The page carries its bundled script (built next to the CLI, as in the package): it loads nothing else.
      const html = await page.text();
      expect(html).toContain("Orchestrix");
      expect(/<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1]?.length).toBeGreaterThan(4000);
      expect(html).not.toMatch(/<script[^>]* src=/);
      expect(started.output().stdout).toContain(`ws://127.0.0.2:${port}/`);
    } finally {
      started.child.kill("SIGINT");
    }
    expect((await started.done).code).toBe(0);
  });

  it("says in one line, without a stack, that a port is busy or that a public bind needs a token", async () => {
    const [inUse, open] = await Promise.all([
      cli(["inspect", "--port", String(busyPort)]),
      cli(["inspect", "--host", "0.0.0.0", "--port", "0"]),
    ]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr.trim().split("\n")).toEqual([
      `orchestrix: Cannot start the inspector: 127.0.0.1:${busyPort} is already in use; pass another --port, or --port 0 for any free one`,
    ]);
    expect(open.code).toBe(1);
    expect(open.stderr.trim().split("\n")).toHaveLength(1);
    expect(open.stderr).toMatch(/^orchestrix: Refusing to start the inspector on 0\.0\.0\.0 without a token: .* Pass --token <secret>/);
  });

  it("describes its own --store in --help", async () => {
    const { stdout } = await cli(["inspect", "--help"]);
    expect(stdout.replace(/\s+/g, " ")).toContain("its runs are listed next to the live ones");
    expect(stdout).not.toContain("the run is not saved");
  });
});

describe.concurrent("orchestrix export", () => {
  it("refuses an unknown format, saying which ones exist; its help names the default once", async () => {
    const [failure, help] = await Promise.all([cli(["export", FLAKY, "--format", "png"]), cli(["export", "--help"])]);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('Expected --format to be json, mermaid, svg (or several, comma-separated); got "png"');
    // Commander wraps long lines: compare the text with its whitespace folded.
    expect(help.stdout.replace(/\s+/g, " ")).toContain("comma-separated or repeated (default: all three) --out");
  });
});

describe.concurrent("the inspector's HTTP API", () => {
  it("answers 400 to a run key that is not valid percent-encoding, and takes the token with any case of Bearer", async () => {
    const inspector = await startInspector({ port: 0, token: "s3cret" });
    try {
      const base = `http://127.0.0.1:${inspector.port}`;
      const bad = await fetch(`${base}/api/runs/%ZZ?token=s3cret`);
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain("Bad run key");
      for (const scheme of ["Bearer", "bearer", "BEARER"]) {
        expect((await fetch(`${base}/api/runs`, { headers: { Authorization: `${scheme} s3cret` } })).status, scheme).toBe(200);
      }
      expect((await fetch(`${base}/api/runs`, { headers: { Authorization: "bearer wrong" } })).status).toBe(401);
    } finally {
      await inspector.close();
    }
  });
});
