/** Runs the CLI as a real child process: the build made once by the global setup, started with plain `node`. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BUILT_CLI } from "./build-cli.js";

/** The repository's root, the default working directory of the CLI. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** How a CLI process ended and what it printed. */
export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still running, and its eventual outcome. */
export interface Started {
  child: ChildProcess;
  done: Promise<Outcome>;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** Added to the environment (ORCHESTRIX_STORE and ORCHESTRIX_LOG are removed unless given). */
  env?: Record<string, string>;
  cwd?: string;
  /** Run as this user and group (as root: to meet the file permissions a user would). */
  uid?: number;
  gid?: number;
}

const children = new Set<ChildProcess>();

/** Kills every CLI process still running (for `afterAll`). */
export function killAll(): void {
  for (const child of children) child.kill("SIGKILL");
}

/** Starts `orchestrix <args>`. */
export function startCli(args: readonly string[], options: CliOptions = {}): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const name of ["ORCHESTRIX_STORE", "ORCHESTRIX_LOG"]) if (!(name in (options.env ?? {}))) delete env[name];
  const spawnOptions: SpawnOptions = { cwd: options.cwd ?? ROOT, env };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const child = spawn(process.execPath, [BUILT_CLI, ...args], spawnOptions);
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Runs `orchestrix <args>` to its end. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<Outcome> {
  return startCli(args, options).done;
}

/** Waits until the process has printed a line matching `pattern`; rejects if it exits first. */
export function waitForOutput(started: Started, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms: ${JSON.stringify(started.output())}`)), timeoutMs);
    const check = () => {
      const found = pattern.exec(started.output().stdout);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    started.child.stdout?.on("data", () => setImmediate(check));
    started.done.then((outcome) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited (${outcome.code ?? outcome.signal}) before printing ${pattern}: ${JSON.stringify(outcome)}`));
    }, reject);
    check();
  });
}
