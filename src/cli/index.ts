#!/usr/bin/env node
/** The `orchestrix` executable: parses the command line, runs the command, reports errors, exits with its code. */
import { ErrorCode, OrchestrixError } from "orchestrix";
import { CliError, ExitCode } from "./cli-error.js";
import { createProgram } from "./program.js";

/** Runs the CLI with `argv` (as `process.argv`) and resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.OK;
  } catch (error) {
    return report(error);
  }
}

/** Prints an error for people: the message of expected errors, the stack of unexpected ones (bugs). */
function report(error: unknown): number {
  if (error instanceof CliError) {
    console.error(`orchestrix: ${error.message}`);
    return error.exitCode;
  }
  if (isOrchestrixError(error)) {
    console.error(`orchestrix: ${error.message}`);
    return ExitCode.ERROR;
  }
  console.error(`orchestrix: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return ExitCode.ERROR;
}

/** Orchestrix's own errors, also from another copy of the library (a user's module may load its own). */
function isOrchestrixError(error: unknown): error is Error {
  if (error instanceof OrchestrixError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && Object.values<unknown>(ErrorCode).includes(code);
}

const code = await main(process.argv);
// Leftover handles (a user's module may open sockets or timers) must not keep a finished command alive;
// exit once stdout is flushed, or at once when its reader went away (`orchestrix runs list | head`).
process.stdout.on("error", () => process.exit(code));
process.stdout.write("", () => process.exit(code));
