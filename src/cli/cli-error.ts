/** The CLI's exit codes. */
export const ExitCode = {
  /** The run completed (or the command did what it was asked). */
  OK: 0,
  /** The command could not do its work: bad arguments, unknown run, refused resume, store failure. */
  ERROR: 1,
  /** The run ended without completing: failed, cancelled or compensation_failed. */
  UNFINISHED: 2,
} as const;

/** A mistake the person at the terminal can fix (bad option, unknown run, missing file): printed without a stack. */
export class CliError extends Error {
  /** The process exit code to end with. */
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode ?? ExitCode.ERROR;
  }
}

/** The exit code for a run that ended with `status`. */
export function exitCodeFor(status: string): number {
  return status === "completed" ? ExitCode.OK : ExitCode.UNFINISHED;
}
