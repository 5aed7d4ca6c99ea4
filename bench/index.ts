/**
 * Builds the package (the engine suite measures dist/, as users get it), then runs every benchmark
 * suite, each in its own Node process so one suite's JIT state and heap do not bleed into the next. `npm run bench` runs them all; `npm run bench -- engine` only those
 * whose title or file contains "engine".
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** One benchmark suite: a script in bench/ that prints its own report when run directly. */
export interface BenchSuite {
  /** The section title, as in BENCHMARKS.md. */
  title: string;
  /** The script, relative to the repository root. */
  file: string;
  /** Extra Node flags the script needs. */
  nodeFlags: readonly string[];
}

/** Every suite, in the order `npm run bench` runs them. */
export const suites: readonly BenchSuite[] = [
  { title: "Engine: in-memory runs", file: "bench/engine.bench.ts", nodeFlags: [] },
  { title: "Durable runs (SQLite store)", file: "bench/durable.bench.ts", nodeFlags: ["--expose-gc"] },
  { title: "Long flows: what a durable save costs per step", file: "bench/long-flows.bench.ts", nodeFlags: [] },
  { title: "Inspector", file: "bench/inspector.bench.ts", nodeFlags: [] },
  { title: "Stored runs: 100,000 runs in SQLite", file: "bench/stored-runs.bench.ts", nodeFlags: [] },
  // Needs the local PostgreSQL; DBOS Transact comes from bench/peers (`npm ci --prefix bench/peers`), else it is skipped.
  { title: "Workers on PostgreSQL against DBOS Transact (issue 12)", file: "bench/workers.bench.ts", nodeFlags: [] },
];

const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs a command in the repository root with inherited output; resolves with its exit code. */
function runCommand(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs one suite's script with tsx in a child process; resolves with its exit code. */
function runSuite(suite: BenchSuite): Promise<number> {
  return runCommand(process.execPath, ["--import", "tsx", ...suite.nodeFlags, suite.file]);
}

const filters = process.argv.slice(2).map((word) => word.toLowerCase());
const selected = suites.filter(
  (suite) => filters.length === 0 || filters.some((word) => `${suite.title} ${suite.file}`.toLowerCase().includes(word)),
);
if (selected.length === 0) {
  console.error(`No suite matches ${filters.join(", ")}; suites: ${suites.map((suite) => suite.file).join(", ")}`);
  process.exitCode = 1;
}
if (selected.length > 0) {
  const built = await runCommand("npm", ["run", "--silent", "build"]);
  if (built !== 0) {
    console.error(`npm run build exited with code ${built}`);
    process.exit(built);
  }
}
for (const suite of selected) {
  console.log(`\n## ${suite.title}\n`);
  const code = await runSuite(suite);
  if (code !== 0) {
    console.error(`${suite.file} exited with code ${code}`);
    process.exitCode = code;
  }
}
