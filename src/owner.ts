/** Who holds a run: this process, as `host:pid`, and whether another holder is still alive. */

interface NodeProcess {
  pid: number;
  kill(pid: number, signal: 0): void;
}

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

function hostName(): string {
  // node:os through getBuiltinModule keeps this module importable in browsers (which have no owner).
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> } })
    .process;
  const os = process?.getBuiltinModule?.("node:os") as { hostname?: () => string } | undefined;
  return os?.hostname?.() ?? process?.env?.["HOSTNAME"] ?? process?.env?.["COMPUTERNAME"] ?? "localhost";
}

/** This process's owner id. */
export const thisOwner: string = `${hostName()}:${nodeProcess?.pid ?? 0}`;

/** How long a run held by a process on another host counts as held after its last save. */
export const DEFAULT_STALE_AFTER_MS = 60_000;

/** Run ids live in this process right now (any flow, any store). */
const liveHere = new Set<string>();

/** Notes that a run is live in this process; false when it already was (it must not run twice). */
export function claimHere(runId: string): boolean {
  if (liveHere.has(runId)) return false;
  liveHere.add(runId);
  return true;
}

/** Notes that a run is no longer live in this process. */
export function releaseHere(runId: string): void {
  liveHere.delete(runId);
}

/**
 * Whether the process that saved `record` may still be running it. This process: only if the
 * run is live here (a run stopped by a failing store is not). Another process on this host: if
 * it still exists. Another host: we cannot tell, so a record updated within `staleAfterMs` counts.
 */
export function ownerAlive(
  record: { runId: string; owner: string | null; updatedAt: number },
  staleAfterMs = DEFAULT_STALE_AFTER_MS,
): boolean {
  const { owner } = record;
  if (owner === null) return false;
  if (owner === thisOwner) return liveHere.has(record.runId);
  const separator = owner.lastIndexOf(":");
  const host = owner.slice(0, separator);
  const pid = Number(owner.slice(separator + 1));
  if (host === hostName() && nodeProcess && Number.isInteger(pid) && pid > 0) {
    try {
      nodeProcess.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as { code?: string }).code === "EPERM";
    }
  }
  return Date.now() - record.updatedAt < staleAfterMs;
}
