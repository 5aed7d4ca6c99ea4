import { StoreError } from "../errors.js";

/** Where a page of a listing ended: the last run's update time and id (newest first, ties by id). */
export interface RunPosition {
  updatedAt: number;
  runId: string;
}

/** The opaque `next` cursor of a listing page that ended at `position`. */
export function encodeRunCursor(position: RunPosition): string {
  return `${position.updatedAt}:${position.runId}`;
}

/** Reads a cursor made by {@link encodeRunCursor}; a malformed one is refused with `StoreError`. */
export function decodeRunCursor(cursor: string): RunPosition {
  const separator = cursor.indexOf(":");
  const updatedAt = Number(cursor.slice(0, separator));
  if (separator <= 0 || !Number.isSafeInteger(updatedAt)) {
    throw new StoreError(`The listing cursor ${JSON.stringify(cursor)} is not one a listing returned (expected "<updatedAt>:<runId>")`);
  }
  return { updatedAt, runId: cursor.slice(separator + 1) };
}

/** Whether a run sorts after `position` in a newest-first listing. */
export function isAfter(run: RunPosition, position: RunPosition): boolean {
  return run.updatedAt < position.updatedAt || (run.updatedAt === position.updatedAt && run.runId < position.runId);
}
