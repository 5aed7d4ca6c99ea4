/**
 * The machine definitions the inspector can draw: those reported by live actors (deduplicated by
 * a digest of their text, so a thousand runs of one flow keep one copy), those of the flows given at
 * start, and those it rebuilt for Orchestrix runs from their definition hash. Each is laid out once,
 * on first use, by the layout engine it is given (a worker thread in the inspector).
 */
import { createHash } from "node:crypto";
import { layoutMachine } from "../graph/layout.js";
import { stateIdsOf } from "../graph/read.js";
import { renderSvg } from "../graph/render.js";
import type { MachineDefinition } from "../graph/types.js";
import type { DrawnGraph } from "../graph/worker.js";
import { completeDefinition } from "./reconstruct.js";
import { stepOrderOf } from "./timeline.js";

/** What the inspector needs from a flow to draw its stored runs: `Flow` from `orchestrix` has it. */
export interface InspectableFlow {
  readonly name: string;
  readonly definitionHash: string;
  toJSON(): Record<string, unknown>;
}

/** Lays out and renders a definition: in this thread by default, in a worker thread in the inspector. */
export type Draw = (definition: MachineDefinition) => Promise<DrawnGraph>;

const drawHere: Draw = async (definition) => {
  const layout = await layoutMachine(definition);
  return { layout, svg: renderSvg(layout) };
};

/** One machine definition and, once asked for, its drawing. */
export class GraphSource {
  private drawing: Promise<DrawnGraph> | undefined;
  private ids: string[] | undefined;
  private steps: string[] | undefined;

  constructor(
    /** Short id the page refers to (`g1`, `g2`…). */
    readonly id: string,
    readonly machineId: string,
    readonly definition: MachineDefinition,
    /** Whether the definition is complete (a flow given at start, or rebuilt from its hash) or as a reporter serialized it (maybe cut short). */
    readonly complete: boolean,
    private readonly drawWith: Draw,
  ) {}

  /** Lays the machine out (once, the result or the failure kept) and renders it. */
  draw(): Promise<DrawnGraph> {
    this.drawing ??= this.drawWith(this.definition);
    return this.drawing;
  }

  /** The ids of every state, as the drawing names them (read once). */
  stateIds(): string[] {
    this.ids ??= stateIdsOf(this.definition);
    return this.ids;
  }

  /** An Orchestrix machine's step names in definition order; none when the order is not known (a reporter may sort keys). */
  stepOrder(): string[] {
    this.steps ??= this.complete ? stepOrderOf(this.definition) : [];
    return this.steps;
  }
}

/** Options of {@link Definitions}. */
export interface DefinitionsOptions {
  /** Lays out each definition. @default in this thread */
  draw?: Draw;
  /** A reported definition longer than this (in UTF-16 code units, about bytes for JSON) is not kept. @default Infinity */
  maxDefinitionBytes?: number;
}

const MAX_DEFINITIONS = 64;

/** Every definition known, found by reported text, flow hash or machine id (each map bounded). */
export class Definitions {
  /** Reported definitions refused for their size. */
  oversized = 0;
  private readonly byText = new Map<string, GraphSource>();
  private readonly byHash = new Map<string, GraphSource>();
  private readonly byMachine = new Map<string, GraphSource>();
  private readonly flowHashes = new Set<string>();
  /** Hashes for which no complete definition could be rebuilt (so the work is not done again). */
  private readonly unresolved = new Set<string>();
  private readonly draw: Draw;
  private readonly maxDefinitionBytes: number;
  private next = 1;

  constructor(flows: readonly InspectableFlow[] = [], options: DefinitionsOptions = {}) {
    this.draw = options.draw ?? drawHere;
    this.maxDefinitionBytes = options.maxDefinitionBytes ?? Number.POSITIVE_INFINITY;
    for (const flow of flows) {
      const source = this.add(flow.name, flow.toJSON(), true);
      this.byHash.set(flow.definitionHash, source);
      this.flowHashes.add(flow.definitionHash);
      this.byMachine.set(flow.name, source);
    }
  }

  /** The source for a definition reported by an actor (parsed the first time this text is seen); `null` if unreadable or too large. */
  fromReport(text: string): GraphSource | null {
    if (text.length > this.maxDefinitionBytes) {
      this.oversized++;
      return null;
    }
    const digest = createHash("sha256").update(text).digest("base64");
    const known = this.byText.get(digest);
    if (known) return known;
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch {
      return null;
    }
    if (typeof definition !== "object" || definition === null || Array.isArray(definition)) return null;
    const config = definition as MachineDefinition;
    const machineId = typeof config.id === "string" && config.id !== "" ? config.id : "(machine)";
    const source = this.add(machineId, config, false);
    remember(this.byText, digest, source);
    if (!this.flowsCover(machineId)) remember(this.byMachine, machineId, source);
    return source;
  }

  /**
   * The complete definition of a live Orchestrix run whose reporter sent `reported` (maybe cut short):
   * a flow given at start with this hash, or the flow's shape rebuilt and checked against the hash.
   */
  complete(hash: string, reported: GraphSource): GraphSource | null {
    const known = this.byHash.get(hash);
    if (known?.complete) return known;
    if (this.unresolved.has(hash)) return null;
    const definition = completeDefinition(reported.definition, hash);
    if (!definition) {
      this.unresolved.add(hash);
      if (this.unresolved.size > MAX_DEFINITIONS) this.unresolved.delete(this.unresolved.values().next().value!);
      return null;
    }
    const source = this.add(reported.machineId, definition, true);
    remember(this.byHash, hash, source);
    return source;
  }

  /** Notes that a live Orchestrix run with this definition hash was drawn from `source`, for stored runs of the same shape. */
  rememberHash(hash: string, source: GraphSource): void {
    if (!this.flowHashes.has(hash) && this.byHash.get(hash) !== source && !this.byHash.get(hash)?.complete) remember(this.byHash, hash, source);
  }

  /** The best definition for a run: the flow with its hash, else the last one seen for its machine id. */
  find(hash: string | null, machineId: string): GraphSource | undefined {
    return (hash === null ? undefined : this.byHash.get(hash)) ?? this.byMachine.get(machineId);
  }

  /** A complete definition with exactly this hash: a flow given at start, or one rebuilt from a live run. */
  flowWithHash(hash: string | null): GraphSource | undefined {
    const source = hash === null ? undefined : this.byHash.get(hash);
    return source?.complete ? source : undefined;
  }

  private flowsCover(machineId: string): boolean {
    return this.byMachine.get(machineId)?.complete === true;
  }

  private add(machineId: string, definition: MachineDefinition, complete: boolean): GraphSource {
    return new GraphSource(`g${this.next++}`, machineId, definition, complete, this.draw);
  }
}

/** Map insertion with a size bound: the least recently remembered entry goes first. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_DEFINITIONS) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
