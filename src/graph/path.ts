/**
 * The path a run took, as marks on the states of its machine: completed steps green, the failed one
 * red, undone ones violet, skipped ones grey. Read from an Orchestrix run's context (its step and
 * compensation records); for other machines, the states its snapshots were seen in.
 */
import { isRecord } from "./guards.js";

/** What happened to a state in a run. */
export type StateMark = "completed" | "failed" | "compensated" | "compensation_failed" | "skipped" | "cancelled" | "waiting" | "visited";

/**
 * The leaf states in which a step does its work: drawn with the step's outcome, like the step's box.
 * (`retrying` and the branch outcomes are not.) A new kind of step adds the leaf it works in here.
 */
const WORK_LEAVES: ReadonlySet<string> = new Set(["running", "waiting", "sleeping"]);


/**
 * Marks the states of a machine (`stateIds`, full ids as `layoutMachine` gives them) with what the run
 * did there. `visited` are state ids the run was seen in (ancestors included), drawn for machines
 * that are not Orchestrix runs (whose records say more than having been there).
 */
export function runPath(machineId: string, stateIds: Iterable<string>, context: unknown, visited: Iterable<string> = []): Record<string, StateMark> {
  const marks: Record<string, StateMark> = {};
  if (!isRecord(context) || !isRecord(context.steps)) {
    for (const id of visited) marks[id] = "visited";
    return marks;
  }
  const steps = context.steps;
  const undos = isRecord(context.compensations) ? context.compensations : {};
  const ended = typeof context.status === "string" && context.status !== "running";
  const undoing = context.status === "failed" || context.status === "cancelled" || context.status === "compensation_failed" || undoingNow(undos);
  const stepsPrefix = `${machineId}.steps.`;
  const undoPrefix = `${machineId}.compensating.`;
  const ids = [...stateIds];
  const groups = new Map<string, StateMark[]>();

  for (const id of ids) {
    if (id.startsWith(stepsPrefix)) {
      const parts = id.slice(stepsPrefix.length).split(".");
      // `steps.<step>`, `steps.<step>.running`, or a branch: `steps.<group>.<branch>(.running)`.
      const [first = "", second, third] = parts;
      const name = isRecord(steps[first]) ? first : second !== undefined && isRecord(steps[second]) ? second : null;
      if (name === null) continue;
      const leaf = name === first ? second : third;
      if (leaf !== undefined && !WORK_LEAVES.has(leaf)) continue;
      const mark = stepMark(steps[name], undos[name], ended);
      if (mark) marks[id] = mark;
      if (name !== first && leaf === undefined && mark) groups.set(first, [...(groups.get(first) ?? []), mark]);
    } else if (id.startsWith(undoPrefix) && undoing) {
      const [name = "", leaf] = id.slice(undoPrefix.length).split(".");
      if (name === "done" || (leaf !== undefined && !WORK_LEAVES.has(leaf))) continue;
      const mark = undoMark(undos[name], ended);
      if (mark) marks[id] = mark;
    }
  }
  for (const [group, branchMarks] of groups) {
    const id = `${stepsPrefix}${group}`;
    if (!ids.includes(id)) continue;
    const mark = branchMarks.includes("failed")
      ? "failed"
      : branchMarks.every((mark) => mark === "compensated")
        ? "compensated"
        : branchMarks.every((mark) => mark === "completed" || mark === "compensated")
          ? "completed"
          : branchMarks.includes("cancelled") ? "cancelled" : undefined;
    if (mark) marks[id] = mark;
  }
  return marks;
}

function stepMark(record: unknown, undo: unknown, ended: boolean): StateMark | undefined {
  if (!isRecord(record)) return undefined;
  switch (record.status) {
    case "completed": {
      const undoStatus = isRecord(undo) ? undo.status : undefined;
      if (undoStatus === "completed") return "compensated";
      if (undoStatus === "failed") return "compensation_failed";
      return "completed";
    }
    case "failed":
      return "failed";
    case "cancelled":
      return "cancelled";
    case "waiting":
      return "waiting";
    case "pending":
      return ended ? "skipped" : undefined;
    default:
      return undefined;
  }
}

function undoMark(record: unknown, ended: boolean): StateMark | undefined {
  if (!isRecord(record)) return undefined;
  switch (record.status) {
    case "completed":
      return "compensated";
    case "failed":
      return "compensation_failed";
    case "pending":
      return ended ? "skipped" : undefined;
    default:
      return undefined;
  }
}

function undoingNow(undos: Record<string, unknown>): boolean {
  return Object.values(undos).some((record) => isRecord(record) && record.status !== "pending");
}
