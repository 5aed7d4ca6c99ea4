/**
 * The shapes shared by reading, laying out and rendering a machine: what `layoutMachine` produces
 * and `renderSvg` draws.
 */
import type { StateMark } from "./path.js";

/** A machine definition as XState config JSON: what `flow.toJSON()` returns or an `@xstate.actor` event carries. */
export type MachineDefinition = Record<string, unknown>;

/** How a state is drawn: its colour family. */
export type StateTone = "normal" | "retrying" | "waiting" | "compensating" | "success" | "failure" | "cancelled";

/** One state of a laid-out machine, in absolute coordinates. */
export interface LaidOutState {
  /** Full path id, `machine.steps.reserve-stock.running`: what `activeStateIds` returns. */
  id: string;
  /** The state's key in its parent (the machine id for the root). */
  key: string;
  /** The parent's id; `null` for the root. */
  parent: string | null;
  kind: "atomic" | "compound" | "parallel" | "final";
  tone: StateTone;
  /** A direct child of a parallel state: one region. */
  region: boolean;
  description: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One transition, as a polyline in absolute coordinates. */
export interface LaidOutTransition {
  id: string;
  source: string;
  target: string;
  /** Short description: the event (`done`, `error`, `always`, `CANCEL`…) and its guard. */
  label: string;
  /** The label as drawn on the edge (maybe cut short; empty inside parallel branches, where it is only in the tooltip). */
  shownLabel: string;
  points: { x: number; y: number }[];
  labelBox: { x: number; y: number; width: number; height: number } | null;
}

/** A machine placed by elkjs, ready for {@link renderSvg}. */
export interface GraphLayout {
  machineId: string;
  width: number;
  height: number;
  /** Parents come before their children. */
  states: LaidOutState[];
  transitions: LaidOutTransition[];
  /** How many transitions could not be read because the reporter cut the definition short (its serialization depth limit). */
  truncated: number;
}

/** Options of {@link layoutMachine}. */
export interface LayoutOptions {
  /** Where transitions point. @default "DOWN" */
  direction?: "DOWN" | "RIGHT";
  /**
   * Draw every transition from the state that declares it. By default a transition that leaves a
   * compound state from deep inside is drawn from that compound state (`steps → compensating`), which
   * keeps saga graphs readable. @default false
   */
  exactEdges?: boolean;
}


/** Options of {@link renderSvg}. */
export interface RenderSvgOptions {
  /** Text of the SVG's `<title>`. @default the machine id */
  title?: string;
  /** Draw transition labels. @default true */
  labels?: boolean;
  /** What happened to each state in a run (by state id): drawn as the run's path. */
  marks?: ReadonlyMap<string, StateMark> | Readonly<Record<string, StateMark>>;
}
