/** Who holds a run: this process, as `host:pid`, and whether another holder may still be running it. */
import type { RunSummary } from "../stores/types.js";
import { isLiveHere } from "./registry.js";

interface NodeProcess {
  pid: number;
  kill(pid: number, signal: 0): void;
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
}

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

function hostName(): string {
  // node:os through getBuiltinModule keeps this module importable in browsers (which have no owner).
  const os = nodeProcess?.getBuiltinModule?.("node:os") as { hostname?: () => string } | undefined;
  return os?.hostname?.() ?? nodeProcess?.env?.["HOSTNAME"] ?? nodeProcess?.env?.["COMPUTERNAME"] ?? "localhost";
}

/**
 * The pid namespace, where there is one: containers that share a host name (host networking) have
 * pids of their own, so a pid says something only to a process in the same namespace.
 */
function pidNamespace(): string | undefined {
  const fs = nodeProcess?.getBuiltinModule?.("node:fs") as { readlinkSync?: (path: string) => string } | undefined;
  try {
    return /\[(\d+)\]/.exec(fs?.readlinkSync?.("/proc/self/ns/pid") ?? "")?.[1];
  } catch {
    return undefined;
  }
}

/** Where this process's pids mean something: the host name, and the pid namespace when known. */
const thisHost = ((ns) => (ns ? `${hostName()}/${ns}` : hostName()))(pidNamespace());

/** This process's owner id, `host[/pid-namespace]:pid`. */
export const thisOwner: string = `${thisHost}:${nodeProcess?.pid ?? 0}`;

/** How long a record saved before leases existed (schema 1) counts as held after its last save: that release's default. */
const LEGACY_HOLD_MS = 60_000;

/** How long a claim holds without a renewal; owners renew it three times per lease. @default 30000 */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * Whether the owner of a stored run may still be running it, so it must not be claimed now.
 * This process: only if the run is live here. Another process on this host (and pid namespace):
 * while it exists and its lease holds (a stopped process loses its runs when the lease runs out).
 * Anywhere else: while its lease holds.
 */
export function isHeld(run: Pick<RunSummary, "runId" | "owner" | "leaseUntil" | "updatedAt">, now = Date.now()): boolean {
  const { owner } = run;
  if (owner === null) return false;
  if (owner === thisOwner) return isLiveHere(run.runId);
  // Records written before leases existed count as held for as long as that release held them.
  const leaseHolds = (run.leaseUntil ?? run.updatedAt + LEGACY_HOLD_MS) > now;
  const separator = owner.lastIndexOf(":");
  const pid = Number(owner.slice(separator + 1));
  if (owner.slice(0, separator) === thisHost && nodeProcess && Number.isInteger(pid) && pid > 0) {
    return leaseHolds && processExists(nodeProcess, pid);
  }
  return leaseHolds;
}

function processExists(node: NodeProcess, pid: number): boolean {
  try {
    node.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
