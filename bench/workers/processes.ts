/** Child processes of the worker benchmark: start them, read their CPU time, stop them. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root, where every child runs. */
export const root = fileURLToPath(new URL("../..", import.meta.url));

/** The CLI the workers run: the build in dist/, or another build named by ORCHESTRIX_BENCH_CLI (to compare two builds). */
const cli = process.env["ORCHESTRIX_BENCH_CLI"] ?? `${root}dist/cli.js`;

/** Options of one `orchestrix worker` process. */
export interface WorkerProcessOptions {
  /** Runs at once in the process. */
  concurrency: number;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: readonly string[];
}

/**
 * Starts `orchestrix worker bench/worker-saga.ts` from the build in dist/ (as users run it) and
 * resolves once it says it is running.
 */
export function startOrchestrixWorker(url: string, options: WorkerProcessOptions): Promise<ChildProcess> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  const args = [...(options.nodeFlags ?? []), cli, "worker", "bench/worker-saga.ts", "--store", url, "--concurrency", String(options.concurrency)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`orchestrix worker exited with code ${code} before it was running`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes(": running ")) {
        child.removeAllListeners("exit");
        resolve(child);
      }
    });
  });
}

/** User + system CPU milliseconds a live process has used so far (Linux /proc), or NaN elsewhere. */
export function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Sends `signal` to every child and resolves once all have exited. */
export async function stopAll(children: readonly ChildProcess[], signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => {
            child.once("exit", resolve);
            child.kill(signal);
          }),
    ),
  );
}
