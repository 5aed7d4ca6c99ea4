import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { RetryPolicy } from "./policy.js";
import type { FlowHooks, FlowPlugin } from "./types.js";

/** A step function, as stored in a definition (typing lives on the builder). */
export type StepFunction = (ctx: never) => unknown;

/** A step that waits for a signal sent with `flow.signal()` / `handle.signal()` instead of running a function. */
export interface WaitPause {
  readonly type: "signal";
  /** Validates the signal's payload at send time; the validated value is the step's output. */
  readonly schema: StandardSchemaV1 | undefined;
  /** How long the wait lasts once reached; no limit when undefined. */
  readonly timeoutMs: number | undefined;
  /** What a timeout does: fail the step with `WaitTimeoutError` (the flow compensates), or continue with `undefined`. */
  readonly onTimeout: "fail" | "continue";
}

/** A step that sleeps until a deadline, computed when the step is reached. */
export interface SleepPause {
  readonly type: "sleep";
  /** The deadline (epoch ms) for a step reached at `now`, given the run's input and earlier outputs. */
  readonly until: (ctx: { input: unknown; outputs: Record<string, unknown>; now: number }) => number;
}

/** What a step does instead of running a function: wait for a signal, or sleep. Its deadline is stored. */
export type Pause = WaitPause | SleepPause;

/** A step that runs another flow as an invoked child actor. */
export interface ChildSpec {
  /** The child flow's name, definition and compiled machine. */
  readonly flow: { readonly name: string; readonly definition: FlowDefinition; readonly machine: unknown; readonly definitionHash: string };
  /** The child's input, from the parent's input and earlier outputs. */
  readonly input: (ctx: { input: unknown; outputs: Record<string, unknown> }) => unknown;
}

/** One step: its function, its undo and their retry policies. */
export interface StepDefinition {
  readonly kind: "step";
  readonly name: string;
  readonly run: StepFunction;
  readonly compensate: StepFunction | undefined;
  readonly policy: RetryPolicy;
  readonly compensationPolicy: RetryPolicy;
  /** The parallel group the step is a branch of. */
  readonly group: string | undefined;
  /** Set when the step waits or sleeps instead of running `run`. */
  readonly pause?: Pause;
  /** Set when the step runs a child flow instead of `run`; the child's undo is the step's compensation. */
  readonly child?: ChildSpec;
}

/** A parallel group: its branches run at the same time. */
export interface GroupDefinition {
  readonly kind: "parallel";
  readonly name: string;
  readonly failFast: boolean;
  readonly branches: readonly StepDefinition[];
}

/** A top-level element of a flow. */
export type FlowNode = StepDefinition | GroupDefinition;

/** Everything a flow is made of; the builder produces it, the compiler reads it. */
export interface FlowDefinition {
  readonly name: string;
  readonly version: string | undefined;
  readonly schema: StandardSchemaV1 | undefined;
  readonly nodes: readonly FlowNode[];
  readonly hooks: FlowHooks | undefined;
  readonly plugins: readonly FlowPlugin[];
}

const flattened = new WeakMap<readonly FlowNode[], readonly StepDefinition[]>();
const undoOrders = new WeakMap<readonly FlowNode[], readonly StepDefinition[]>();

/** Every step of the flow, parallel branches in place of their group, in definition order (computed once per flow). */
export function flattenSteps(nodes: readonly FlowNode[]): readonly StepDefinition[] {
  let steps = flattened.get(nodes);
  if (!steps) flattened.set(nodes, (steps = nodes.flatMap((node) => (node.kind === "step" ? [node] : [...node.branches]))));
  return steps;
}

/** The steps that have an undo, in the order they are undone: newest first, last branch of a group first. */
export function compensationOrder(nodes: readonly FlowNode[]): readonly StepDefinition[] {
  let order = undoOrders.get(nodes);
  if (!order) undoOrders.set(nodes, (order = flattenSteps(nodes).filter((step) => step.compensate !== undefined).reverse()));
  return order;
}

/**
 * A stable hash of the flow's shape: step names, order, kinds, fail-fast and which steps can be undone.
 * Retry numbers are left out: they are read at run time, so changing them keeps snapshots resumable.
 */
export function definitionHash(nodes: readonly FlowNode[]): string {
  const shape = nodes.map((node) =>
    node.kind === "step"
      ? stepShape(node)
      : ["p", node.name, node.failFast, node.branches.map((b) => [b.name, b.compensate !== undefined])],
  );
  return fnv1a64(JSON.stringify([MACHINE_FORMAT, shape]));
}

/** The part of the hash one top-level step gives: a plain step keeps the shape it always had. */
function stepShape(step: StepDefinition): unknown[] {
  if (step.pause) return [step.pause.type === "signal" ? "w" : "z", step.name];
  if (step.child) return ["c", step.name, step.child.flow.name, step.child.flow.definitionHash];
  return ["s", step.name, step.compensate !== undefined];
}

/** Bumped when the generated machine's layout changes in a way old snapshots cannot follow. */
const MACHINE_FORMAT = 2;

function fnv1a64(text: string): string {
  // FNV-1a over UTF-16 code units, 64-bit via BigInt: small, dependency-free, identical everywhere.
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
