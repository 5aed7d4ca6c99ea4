/**
 * The machine definitions the inspector can draw: those reported by live actors (deduplicated by
 * their text, so a thousand runs of one flow keep one copy) and those of the flows given at start.
 * Each is laid out once, on first use.
 */
import { layoutMachine, renderSvg, type GraphLayout, type MachineDefinition } from "./graph-svg.js";

/** What the inspector needs from a flow to draw its stored runs: `Flow` from `orchestrix` has it. */
export interface InspectableFlow {
  readonly name: string;
  readonly definitionHash: string;
  toJSON(): Record<string, unknown>;
}

/** A drawn machine: its layout and its SVG without highlight. */
export interface DrawnGraph {
  layout: GraphLayout;
  svg: string;
}

/** One machine definition and, once asked for, its drawing. */
export class GraphSource {
  private drawing: Promise<DrawnGraph> | undefined;

  constructor(
    /** Short id the page refers to (`g1`, `g2`…). */
    readonly id: string,
    readonly machineId: string,
    private readonly definition: MachineDefinition,
    /** Whether the definition is complete (a flow given at start) or as a reporter serialized it (maybe cut short). */
    readonly complete: boolean,
  ) {}

  /** Lays the machine out (once) and renders it. */
  draw(): Promise<DrawnGraph> {
    this.drawing ??= layoutMachine(this.definition).then((layout) => ({ layout, svg: renderSvg(layout) }));
    return this.drawing;
  }
}

const MAX_DEFINITIONS = 64;

/** Every definition known, found by reported text, flow hash or machine id (each map bounded). */
export class Definitions {
  private readonly byText = new Map<string, GraphSource>();
  private readonly byHash = new Map<string, GraphSource>();
  private readonly byMachine = new Map<string, GraphSource>();
  private readonly flowHashes = new Set<string>();
  private next = 1;

  constructor(flows: readonly InspectableFlow[] = []) {
    for (const flow of flows) {
      const source = this.add(flow.name, flow.toJSON(), true);
      this.byHash.set(flow.definitionHash, source);
      this.flowHashes.add(flow.definitionHash);
      this.byMachine.set(flow.name, source);
    }
  }

  /** The source for a definition reported by an actor (parsed the first time this text is seen); `null` if unreadable. */
  fromReport(text: string): GraphSource | null {
    const known = this.byText.get(text);
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
    remember(this.byText, text, source);
    if (!this.flowsCover(machineId)) remember(this.byMachine, machineId, source);
    return source;
  }

  /** Notes that a live Orchestrix run with this definition hash was drawn from `source`, for stored runs of the same shape. */
  rememberHash(hash: string, source: GraphSource): void {
    if (!this.flowHashes.has(hash) && this.byHash.get(hash) !== source) remember(this.byHash, hash, source);
  }

  /** The best definition for a run: the flow with its hash, else the last one seen for its machine id. */
  find(hash: string | null, machineId: string): GraphSource | undefined {
    return (hash === null ? undefined : this.byHash.get(hash)) ?? this.byMachine.get(machineId);
  }

  /** A flow given at start with exactly this hash. */
  flowWithHash(hash: string | null): GraphSource | undefined {
    return hash !== null && this.flowHashes.has(hash) ? this.byHash.get(hash) : undefined;
  }

  private flowsCover(machineId: string): boolean {
    return this.byMachine.get(machineId)?.complete === true;
  }

  private add(machineId: string, definition: MachineDefinition, complete: boolean): GraphSource {
    return new GraphSource(`g${this.next++}`, machineId, definition, complete);
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
