/**
 * How a transition is labelled, the same in the Mermaid diagram and in the SVG drawing: the event,
 * then the guard in words (`error [retries left]`), and for the fallback after a guarded alternative
 * what it means (`error [no retries left]`).
 */

/** Readable labels for the guards the compiler uses. */
const GUARD_LABELS: Record<string, string> = {
  canRetry: "retries left",
  stepCompleted: "step completed",
  groupFailed: "a branch failed",
  compensationFailed: "an undo failed",
  cancelled: "cancelled",
  endsCancelled: "cancelled",
  interrupted: "cancelled or aborted",
  signalFor: "its signal",
  signalKept: "its signal came earlier",
  childCompleted: "the child completed",
};

/** Labels of the unguarded fallback after a list's first guard, where "else" says too little. */
const ELSE_LABELS: Record<string, string> = {
  canRetry: "no retries left",
  stepCompleted: "skipped",
  groupFailed: "all succeeded",
  cancelled: "",
  endsCancelled: "",
};

/** The name of a guard as config JSON gives it (`"canRetry"` or `{ type: "canRetry", params }`). */
export function guardName(guard: unknown): string | undefined {
  if (typeof guard === "string") return guard;
  if (typeof guard === "object" && guard !== null && typeof (guard as { type?: unknown }).type === "string") {
    return (guard as { type: string }).type;
  }
  return undefined;
}

/** The event an invoke's `onDone` stands for: a retry wait ending is a `retry`, a wait's or sleep's deadline a `deadline`. */
export function invokeDoneEvent(src: unknown): string {
  return src === "retryWait" ? "retry" : src === "deadline" ? "deadline" : "done";
}

/**
 * The label of alternative `index` of a transition list for `event`: `event [guard]`, or for an
 * unguarded alternative after a guarded one, `event [what the earlier guard's failure means]`.
 */
export function transitionLabel(event: string, guard: string | undefined, previousGuard: string | undefined, index: number): string {
  const elseLabel = ELSE_LABELS[previousGuard ?? ""] ?? "else";
  const condition = guard ? `[${GUARD_LABELS[guard] ?? guard}]` : index > 0 && elseLabel ? `[${elseLabel}]` : "";
  return [event, condition].filter(Boolean).join(" ");
}
