import { Command, Option } from "commander";
import { parsePort, parsePositiveInteger, parseStatuses, RUN_STATUSES } from "./arguments.js";
import { exportCommand, parseFormats, type ExportOptions } from "./commands/export.js";
import { inspectCommand, type InspectOptions } from "./commands/inspect.js";
import { runFlowCommand } from "./commands/run.js";
import { cancelRunCommand } from "./commands/runs-cancel.js";
import { listRuns } from "./commands/runs-list.js";
import { resumeRunCommand } from "./commands/runs-resume.js";
import { showRun } from "./commands/runs-show.js";
import { signalRunCommand, type SignalRunOptions } from "./commands/runs-signal.js";
import { workerCommand, type WorkerCommandOptions } from "./commands/worker.js";
import { packageVersion } from "./version.js";

const STORE_HELP = "where runs are kept: sqlite:<database file>, e.g. sqlite:./runs.db, or postgres://user@host:5432/database";

/** `--store`, read from ORCHESTRIX_STORE too; `purpose` says what the command does with it. */
function storeOption(required: boolean, purpose?: string): Option {
  const option = new Option("--store <url>", purpose === undefined ? STORE_HELP : `${STORE_HELP}; ${purpose}`).env("ORCHESTRIX_STORE");
  return required ? option.makeOptionMandatory() : option;
}

function moduleOption(): Option {
  return new Option("--module <path>", "the .ts or .js module that exports the run's flow").makeOptionMandatory();
}

/** Sets the exit code a command resolved with. */
function exitWith(code: number): void {
  process.exitCode = code;
}

/** The `orchestrix` command line: `run`, `runs list | show | resume | cancel`, `inspect` and `export`. */
export function createProgram(): Command {
  const program = new Command("orchestrix")
    .description("Run Orchestrix flows and inspect, resume or cancel the runs kept in a store.")
    .version(packageVersion())
    .showHelpAfterError("(add --help for usage)");

  program
    .command("run")
    .summary("run a flow exported by a module")
    .description("Run a flow exported by a module, with a progress line per step event, then print its result.\nExit code: 0 completed, 2 failed/cancelled/compensation_failed, 1 error.")
    .argument("<module>", "the .ts or .js module that exports the flow")
    .option("--flow <name>", "the flow to run, when the module exports several")
    .option("--input <json>", "the flow's input as JSON, or @file.json")
    .addOption(storeOption(false, "without it the run is not saved"))
    .option("--run-id <id>", "the run's id (an idempotency key: a finished run with this id gives its stored result)")
    .action(async (module: string, options: { flow?: string; input?: string; store?: string; runId?: string }) =>
      exitWith(await runFlowCommand(module, options)),
    );

  const runs = program.command("runs").description("inspect, resume, cancel or signal stored runs");

  runs
    .command("list")
    .description("list the most recently updated runs")
    .addOption(storeOption(true))
    .option("--status <status>", `only runs with this status (${RUN_STATUSES.join(", ")}); comma-separated or repeated`, parseStatuses)
    .option("--flow <name>", "only runs of this flow")
    .option("--limit <n>", "at most this many runs (one page)", parsePositiveInteger, 50)
    .option("--after <cursor>", "the next page: the cursor the previous page printed")
    .option("--json", "print the records as JSON (without their snapshots)")
    .action(async (options: Parameters<typeof listRuns>[0]) => exitWith(await listRuns(options)));

  runs
    .command("show")
    .description("show a run: its record, each step and compensation, its input, data and outputs")
    .argument("<runId>", "the run's id")
    .addOption(storeOption(true))
    .option("--json", "print the whole record, snapshot included, as JSON")
    .action(async (runId: string, options: Parameters<typeof showRun>[1]) => exitWith(await showRun(runId, options)));

  runs
    .command("resume")
    .summary("continue a run whose process is gone")
    .description("Continue a run whose process is gone, in this process, with a progress line per step event.\nExit code: 0 completed, 2 failed/cancelled/compensation_failed, 1 error.")
    .argument("<runId>", "the run's id")
    .addOption(storeOption(true))
    .addOption(moduleOption())
    .action(async (runId: string, options: Parameters<typeof resumeRunCommand>[1]) => exitWith(await resumeRunCommand(runId, options)));

  runs
    .command("cancel")
    .summary("cancel a run whose process is gone")
    .description("Cancel a run whose process is gone: its completed steps are compensated in this process.\nExit code: 0 cancelled, 2 ended otherwise (e.g. a compensation failed), 1 error or already ended.")
    .argument("<runId>", "the run's id")
    .addOption(storeOption(true))
    .addOption(moduleOption())
    .action(async (runId: string, options: Parameters<typeof cancelRunCommand>[1]) => exitWith(await cancelRunCommand(runId, options)));

  runs
    .command("signal")
    .summary("send a signal to a run's wait")
    .description(
      "Record a signal for a run's .waitFor() step in the store; the run takes it in when it is (or next gets) there, in whichever process runs it.\n" +
        "The payload is validated against the wait's schema first: nothing is stored when it fails.\nExit code: 0 recorded (or already recorded), 1 refused.",
    )
    .argument("<runId>", "the run's id")
    .argument("<name>", "the wait's name")
    .addOption(storeOption(true))
    .addOption(moduleOption())
    .option("--data <json>", "the payload as JSON, or @file.json")
    .option("--signal-id <id>", "the signal's id, e.g. the webhook's event id: the same id is recorded once")
    .action(async (runId: string, name: string, options: SignalRunOptions) => exitWith(await signalRunCommand(runId, name, options)));

  program
    .command("inspect")
    .summary("serve the local inspector (works offline)")
    .description(
      "Serve the local inspector: a page with every run's state graph, live state, step timeline and context.\n" +
        "Any XState actor can report to it with createWebSocketInspector({ url }) from @statelyai/inspect.",
    )
    .option("--port <n>", "port to listen on; 0 picks any free port (the one chosen is printed)", parsePort, 4400)
    .option("--host <address>", "address to bind; anything but loopback needs --token", "127.0.0.1")
    .option("--token <secret>", "required from every page and reporter (as ?token=…)")
    .addOption(storeOption(false, "its runs are listed next to the live ones (without it, only live runs are shown)"))
    .option("--module <path...>", "modules whose flows draw stored runs not seen live")
    .option(
      "--allow-origin <origin...>",
      "browser origins whose pages may report runs, e.g. a dev server http://localhost:5173 (Node reporters need none)",
    )
    .action(async (options: InspectOptions) => exitWith(await inspectCommand(options)));

  program
    .command("worker")
    .summary("run a module's flows from the PostgreSQL queue")
    .description(
      "Take runs from the PostgreSQL queue and run them, taking over the runs of workers that died or stalled; " +
        "SIGTERM stops it gracefully (each run in flight finishes its step and is handed back).",
    )
    .argument("<module>", "the .ts or .js module that exports the flows")
    .addOption(storeOption(true))
    .option("--concurrency <n>", "runs at once in this process", parsePositiveInteger, 4)
    .option("--lease-ms <ms>", "how long a run's claim holds without renewal (the takeover time of a dead worker)", parsePositiveInteger)
    .option("--park-after-ms <ms>", "park a run waiting longer than this (for a retry, a sleep or a signal) until its deadline or signal (default 5000)", parsePositiveInteger)
    .action(async (module: string, options: WorkerCommandOptions) => exitWith(await workerCommand(module, options)));

  program
    .command("export")
    .summary("write flows' machines as JSON, Mermaid and SVG")
    .description("Write each flow's machine as JSON (for XState and Stately's tools), Mermaid and SVG (the inspector's drawing).")
    .argument("<module>", "the .ts or .js module that exports the flows")
    .option("--flow <name>", "only this flow")
    .option("--format <formats>", "json, mermaid, svg; comma-separated or repeated (default: all three)", parseFormats)
    .option("--out <dir>", "where to write the files", "machines")
    .option("--run <runId>", "draw this stored run instead: its machine with the path it took (SVG; needs --store)")
    .addOption(new Option("--store <url>", `${STORE_HELP}; the store that holds --run`).env("ORCHESTRIX_STORE"))
    .action(async (module: string, options: ExportOptions) => exitWith(await exportCommand(module, options)));

  return program;
}
