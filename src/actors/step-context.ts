import type { AttemptAbort } from "./attempt-abort.js";
import type { ErrorRecord } from "../error-record.js";
import { NotJsonError } from "../errors.js";
import { whyNotJson, type Json } from "../json.js";
import type { CompensationContext } from "../types.js";

/** Whether an attempt runs a step or undoes one. */
export type AttemptKind = "step" | "compensation";

/** The JSON input of one attempt's invoked actor; kept in the snapshot so a restore can re-invoke it. */
export interface AttemptInput {
  kind: AttemptKind;
  step: string;
  runId: string;
  attempt: number;
  input: Json;
  data: Record<string, Json>;
  outputs: Record<string, Json>;
  /** Why the flow is being undone (compensations only). */
  error: ErrorRecord | null;
}

/** What a successful attempt hands back to the machine. */
export interface AttemptOutput {
  output: Json | undefined;
  /** The `ctx.set` writes of the attempt, merged into the run's data when it completes. */
  writes: Record<string, Json>;
}

/** Attempts that wrote nothing share this (frozen) object as their writes. */
const NO_WRITES: Record<string, Json> = Object.freeze({});

/**
 * The `ctx` a step or compensation function receives. Its `get`/`set`/`has` are made on first
 * use (most steps never touch them) and are plain functions, so `const { get, set } = ctx` works.
 */
export class AttemptContext implements CompensationContext {
  readonly input: Json;
  readonly outputs: Record<string, Json>;
  readonly attempt: number;
  readonly stepName: string;
  readonly runId: string;
  #writes: Record<string, Json> | undefined;
  #get: (<T>(key: string) => T) | undefined;
  #set: ((key: string, value: unknown) => void) | undefined;
  #has: ((key: string) => boolean) | undefined;

  /** `error` is what failed the flow, as an object (compensations only). */
  constructor(
    private readonly source: AttemptInput,
    private readonly flow: string,
    private readonly abort: AttemptAbort,
    readonly error: unknown,
  ) {
    this.input = source.input;
    this.outputs = source.outputs;
    this.attempt = source.attempt;
    this.stepName = source.step;
    this.runId = source.runId;
  }

  /** The attempt's `ctx.set` writes, merged into the run's data when it completes; discarded when it fails. */
  get writes(): Record<string, Json> {
    return this.#writes ?? NO_WRITES;
  }

  get idempotencyKey(): string {
    const { runId, step, kind } = this.source;
    return kind === "step" ? `${runId}:${step}` : `${runId}:${step}:compensate`;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get get(): <T>(key: string) => T {
    const { data } = this.source;
    // Own keys only: `ctx.get("toString")` is a key nobody set, not Object.prototype's function.
    return (this.#get ??= <T>(key: string): T =>
      (this.#writes && Object.hasOwn(this.#writes, key) ? this.#writes[key] : Object.hasOwn(data, key) ? data[key] : undefined) as T);
  }

  get has(): (key: string) => boolean {
    const { data } = this.source;
    return (this.#has ??= (key: string) => (this.#writes !== undefined && Object.hasOwn(this.#writes, key)) || Object.hasOwn(data, key));
  }

  get set(): (key: string, value: unknown) => void {
    const { flow } = this;
    const { step } = this.source;
    return (this.#set ??= (key: string, value: unknown) => {
      if (typeof key !== "string") {
        throw new NotJsonError(`ctx.set in step "${step}" expects a string key, got ${typeof key}`, { flow, step });
      }
      // Defined, not assigned: a key such as "__proto__" is stored as a key like any other.
      Object.defineProperty((this.#writes ??= {}), key, {
        value: toFrozenJson(value, `ctx.set(${JSON.stringify(key)}, value)`, flow, step),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
  }
}

/**
 * Copies a value through JSON and freezes the copy, so the snapshot can neither hold what JSON
 * would lose nor be changed behind the machine's back. Throws {@link NotJsonError} saying why.
 */
export function toFrozenJson(value: unknown, what: string, flow: string, step: string): Json {
  const reason = whyNotJson(value);
  if (reason !== undefined) {
    throw new NotJsonError(
      `Step "${step}" of flow "${flow}": ${what} must survive JSON.stringify/JSON.parse, but ${reason}`,
      { flow, step },
    );
  }
  return deepFreeze(JSON.parse(JSON.stringify(value)) as Json);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
