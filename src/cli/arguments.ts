import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import type { RunStatus } from "orchestrix";
import { CliError } from "./cli-error.js";
import { errorMessage } from "./format.js";

/** Every status a stored run can have. */
export const RUN_STATUSES: readonly RunStatus[] = ["running", "completed", "failed", "cancelled", "compensation_failed"];

/** Commander parser of `--limit`: a positive integer. */
export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError(`Expected a positive integer, got ${JSON.stringify(value)}.`);
  }
  return number;
}

/** Commander parser of `--port`: 0 to 65535, where 0 asks the system for any free port. */
export function parsePort(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number > 65_535) {
    throw new InvalidArgumentError(`Expected a port from 0 to 65535 (0: any free port), got ${JSON.stringify(value)}.`);
  }
  return number;
}

/** Commander parser of `--status`: one or more statuses, comma-separated or repeated. */
export function parseStatuses(value: string, previous: RunStatus[] | undefined): RunStatus[] {
  const statuses = value.split(",").map((part) => part.trim()).filter((part) => part !== "");
  for (const status of statuses) {
    if (!RUN_STATUSES.includes(status as RunStatus)) {
      throw new InvalidArgumentError(`Expected one of ${RUN_STATUSES.join(", ")}, got ${JSON.stringify(status)}.`);
    }
  }
  if (statuses.length === 0) throw new InvalidArgumentError(`Expected one of ${RUN_STATUSES.join(", ")}, got nothing.`);
  return [...(previous ?? []), ...(statuses as RunStatus[])];
}

/** The JSON of `--input` (or of `option`, e.g. `--data`): JSON text, or `@file.json` to read it from a file. */
export function parseInput(text: string, option = "--input"): unknown {
  let source = text;
  let origin = option;
  if (text.startsWith("@")) {
    const file = text.slice(1);
    origin = `the ${option} file ${file}`;
    try {
      source = readFileSync(file, "utf8");
    } catch (cause) {
      throw new CliError(`Could not read ${origin}: ${errorMessage(cause)}`, { cause });
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (cause) {
    throw new CliError(
      `Expected ${origin} to be JSON, e.g. ${option} '{"orderId":"A-1"}' or ${option} @input.json; ` +
        `got ${JSON.stringify(truncateText(source))} (${errorMessage(cause)})`,
      { cause },
    );
  }
}

function truncateText(text: string): string {
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
