import type { AnyStateMachine } from "xstate";

/** A machine's config as plain JSON: functions (context factory, invoke inputs, output) are left out. */
export function toMachineJson(machine: AnyStateMachine): Record<string, unknown> {
  return JSON.parse(JSON.stringify(machine.config)) as Record<string, unknown>;
}
