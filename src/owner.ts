/** Who holds a run: this process, as `host:pid`, and whether another holder is still alive. */

interface NodeProcess {
  pid: number;
  kill(pid: number, signal: 0): void;
}

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

function hostName(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.["HOSTNAME"] ?? env?.["COMPUTERNAME"] ?? "localhost";
}

/** This process's owner id. */
export const thisOwner: string = `${hostName()}:${nodeProcess?.pid ?? 0}`;

/**
 * Whether the process named by `owner` may still be running the run. On this host, a process
 * that no longer exists is dead; on another host we cannot tell, so a record updated within
 * `staleAfterMs` counts as held.
 */
export function ownerAlive(owner: string | null, updatedAt: number, staleAfterMs: number): boolean {
  if (owner === null) return false;
  if (owner === thisOwner) return true;
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
  return Date.now() - updatedAt < staleAfterMs;
}
