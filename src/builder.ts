import type { StandardSchemaV1 } from "@standard-schema/spec";
import { compileFlow, type CompiledFlow } from "./compile/machine.js";
import type { ChildSpec, FlowDefinition, Pause, StepDefinition, StepFunction } from "./definition.js";
import { sendSignal, type SignalOptions, type SignalReceipt } from "./runs/signal.js";
import { runDurably, resumeRun, type DurableRunOptions, type ResumeOptions } from "./runs/durable.js";
import { ErrorCode, FlowDefinitionError, OrchestrixError, StoreError } from "./errors.js";
import { toMachineJson } from "./export/json.js";
import { toMermaid } from "./export/mermaid.js";
import { loggingFromEnvironment, loggingPlugin } from "./logging.js";
import {
  COMPENSATION_RETRY_DEFAULTS,
  RETRY_OPTION_NAMES,
  STEP_RETRY_DEFAULTS,
  rejectUnknownOptions,
  resolveRetryPolicy,
  type RetryOptions,
} from "./policy.js";
import { inputHash } from "./runs/input-hash.js";
import { enqueueRun } from "./runs/enqueue.js";
import { awaitResult } from "./runs/result.js";
import { launchRun, runIdOf, type FlowEngine, type RunHandle } from "./runs/launch.js";
import { DEFAULT_LEASE_MS } from "./runs/owner.js";
import type { Json } from "./json.js";
import { validateInput } from "./schema.js";
import { getDefaultStore } from "./stores/default.js";
import type { RunStore } from "./stores/types.js";
import type { CompensationContext, FlowConfig, FlowPlugin, FlowResult, LoggingOptions, RunOptions, StepContext } from "./types.js";

/** Flattens an intersection so editors show `{ a: A; b: B }` rather than `X & { b: B }`. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The outputs known after adding step `N` returning `R` (a name only known at run time adds nothing). */
type WithOutput<TOutputs, N extends string, R> = string extends N ? TOutputs : Simplify<TOutputs & { [K in N]: Awaited<R> }>;

/** A step name, or a readable type error when the (literal) name is already used. */
type UniqueName<N extends string, TOutputs> = string extends N
  ? N
  : N extends keyof TOutputs
    ? `Error: step name "${N}" is already used`
    : N;

/** Options of one step: its retry policy, its undo and the undo's retry policy. */
export interface StepOptions<TInput = unknown, TOutputs = Record<string, unknown>> extends RetryOptions {
  /** Undoes this step when a later step fails or the run is cancelled. */
  compensate?: (ctx: CompensationContext<TInput, TOutputs>) => unknown;
  /** Retry policy of the compensation. @default 3 retries, exponential from 100 ms */
  compensation?: RetryOptions;
}

/** One branch of a parallel group: a full step. */
export interface ParallelBranch<TInput = unknown, TOutputs = Record<string, unknown>, N extends string = string, R = unknown> {
  name: N;
  fn: (ctx: StepContext<TInput, TOutputs>) => R;
  options?: StepOptions<TInput, TOutputs>;
}

/** Options of a parallel group. */
export interface ParallelOptions {
  /** Abort the other branches at the first failure. @default false (wait for every branch) */
  failFast?: boolean;
}

type BranchOutputs<B extends readonly ParallelBranch<never, never, string, unknown>[]> = {
  [E in B[number] as E["name"]]: Awaited<ReturnType<E["fn"]>>;
};

const STEP_OPTION_NAMES = [...RETRY_OPTION_NAMES, "compensate", "compensation"] as const;

/** Options of `.waitFor()`. */
export interface WaitOptions<S extends StandardSchemaV1 = StandardSchemaV1, T extends "fail" | "continue" = "fail"> {
  /** Validates the signal's payload when it is sent (a bad one is refused, nothing stored); its output is `ctx.outputs[name]`. */
  schema?: S;
  /** How long the wait lasts once the run reaches it; the deadline is stored. @default no limit */
  timeoutMs?: number;
  /** On timeout: `"fail"` with `WaitTimeoutError` (the flow compensates), or `"continue"` with `undefined`. @default "fail" */
  onTimeout?: T;
}

/** Options of `.sleep()`: a duration, or a deadline computed when the run gets there. */
export type SleepOptions<TInput, TOutputs> =
  | { ms: number; until?: never }
  | { until: (ctx: { input: TInput; outputs: Readonly<TOutputs> }) => number | Date; ms?: never };

/** The function of a wait, a sleep or a child step: the machine never calls it. */
const notCalled: StepFunction = () => {
  throw new Error("A wait, a sleep or a child step has no function to call");
};

/**
 * An immutable flow: each `.step()` / `.parallel()` returns a new one whose generics know every output so far.
 * Run it with `run()` / `start()`, or use `flow.machine` with any XState tool.
 */
export class Flow<TInput = unknown, TOutputs extends Record<string, unknown> = {}, TWaits extends Record<string, unknown> = {}> {
  /** The flow's name (the machine's id). */
  readonly name: string;
  /** The definition the machine is compiled from. */
  readonly definition: FlowDefinition;
  private compiled: CompiledFlow | undefined;

  /** Use {@link create}. */
  constructor(definition: FlowDefinition) {
    this.definition = definition;
    this.name = definition.name;
  }

  /** The generated XState v5 machine, compiled on first use and cached. */
  get machine(): CompiledFlow["machine"] {
    return this.compile().machine;
  }

  /** Hash of the flow's shape, stored with snapshots (DESIGN §5). */
  get definitionHash(): string {
    return this.compile().definitionHash;
  }

  /**
   * Adds a step. Its return value becomes `ctx.outputs[name]` for later steps.
   * @example flow.step("charge", async (ctx) => gateway.charge(ctx.input), { retries: 3, compensate: refund })
   */
  step<const N extends string, R>(
    name: UniqueName<N, TOutputs>,
    fn: (ctx: StepContext<TInput, TOutputs>) => R,
    options?: StepOptions<TInput, WithOutput<TOutputs, N, R>>,
  ): Flow<TInput, WithOutput<TOutputs, N, R>, TWaits> {
    const step = this.defineStep(name, fn as StepFunction, options, undefined);
    return this.extend([step.name], step) as never;
  }

  /** Adds a group of steps that run at the same time (an XState parallel state, one region per branch). */
  parallel<const N extends string, const B extends readonly ParallelBranch<TInput, TOutputs, string, unknown>[]>(
    name: N,
    branches: B,
    options: ParallelOptions = {},
  ): Flow<TInput, Simplify<TOutputs & BranchOutputs<B>>, TWaits> {
    checkName(name, this.name, "Parallel group");
    if (!Array.isArray(branches) || branches.length === 0) {
      throw new FlowDefinitionError(`Parallel group "${name}" of flow "${this.name}" needs at least one branch`, {
        flow: this.name,
        step: name,
      });
    }
    rejectUnknownOptions(options, ["failFast"], { flow: this.name, step: name, prefix: "", owner: `Parallel group "${name}" of flow "${this.name}"` });
    if (options.failFast !== undefined && typeof options.failFast !== "boolean") {
      throw new FlowDefinitionError(
        `Parallel group "${name}" of flow "${this.name}": expected \`failFast\` to be a boolean, got ${typeof options.failFast}`,
        { flow: this.name, step: name },
      );
    }
    const defined = branches.map((branch) =>
      this.defineStep(branch.name, branch.fn as StepFunction, branch.options, name),
    );
    const group = { kind: "parallel" as const, name, failFast: options.failFast ?? false, branches: defined };
    return this.extend([name, ...defined.map((b) => b.name)], group) as never;
  }

  /**
   * Adds a wait for a signal named `name` (sent with `flow.signal()` or `handle.signal()`): its
   * payload, validated against `schema` when it is sent, becomes `ctx.outputs[name]`. A signal
   * sent before the run gets here is kept. With `timeoutMs` the wait fails with `WaitTimeoutError`
   * (the flow compensates), or with `onTimeout: "continue"` goes on with `undefined`.
   * @example flow.waitFor("payment-confirmed", { schema: z.object({ chargeId: z.string() }), timeoutMs: 15 * 60_000 })
   */
  waitFor<const N extends string, S extends StandardSchemaV1 = StandardSchemaV1<unknown, unknown>, const T extends "fail" | "continue" = "fail">(
    name: UniqueName<N, TOutputs>,
    options: WaitOptions<S, T> = {},
  ): Flow<
    TInput,
    WithOutput<TOutputs, N, T extends "continue" ? StandardSchemaV1.InferOutput<S> | undefined : StandardSchemaV1.InferOutput<S>>,
    string extends N ? TWaits : Simplify<TWaits & { [K in N]: StandardSchemaV1.InferInput<S> }>
  > {
    checkName(name, this.name, "Wait");
    const site = { flow: this.name, step: name, prefix: "", owner: `Wait "${name}" of flow "${this.name}"` };
    if (typeof options !== "object" || options === null) throw new FlowDefinitionError(`${site.owner}: expected options to be an object, got ${String(options)}`, site);
    rejectUnknownOptions(options, ["schema", "timeoutMs", "onTimeout"], site);
    const { schema, timeoutMs, onTimeout } = options as WaitOptions<StandardSchemaV1, "fail" | "continue">;
    if (schema !== undefined && typeof schema?.["~standard"]?.validate !== "function") {
      throw new FlowDefinitionError(`${site.owner}: expected \`schema\` to be a Standard Schema v1 validator (zod 4, valibot, arktype…)`, site);
    }
    if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new FlowDefinitionError(`${site.owner}: expected \`timeoutMs\` to be a positive finite number, got ${JSON.stringify(timeoutMs) ?? String(timeoutMs)}`, site);
    }
    if (onTimeout !== undefined && onTimeout !== "fail" && onTimeout !== "continue") {
      throw new FlowDefinitionError(`${site.owner}: expected \`onTimeout\` to be "fail" or "continue", got ${JSON.stringify(onTimeout) ?? String(onTimeout)}`, site);
    }
    return this.extend([name], this.pauseStep(name, { type: "signal", schema, timeoutMs, onTimeout: onTimeout ?? "fail" })) as never;
  }

  /**
   * Adds a durable sleep: for `ms` from when the run gets here, or `until` an epoch-ms deadline
   * computed then from the run's input and outputs. The deadline is stored, so it survives restarts.
   * @example flow.sleep("cool-off", { ms: 60_000 })
   */
  sleep(name: string, options: SleepOptions<TInput, TOutputs>): Flow<TInput, TOutputs, TWaits> {
    checkName(name, this.name, "Sleep");
    const site = { flow: this.name, step: name, prefix: "", owner: `Sleep "${name}" of flow "${this.name}"` };
    if (typeof options !== "object" || options === null) {
      throw new FlowDefinitionError(`${site.owner}: expected { ms } or { until }, got ${String(options)}`, site);
    }
    rejectUnknownOptions(options, ["ms", "until"], site);
    const { ms, until } = options as { ms?: unknown; until?: unknown };
    if ((ms === undefined) === (until === undefined)) throw new FlowDefinitionError(`${site.owner}: expected exactly one of \`ms\` and \`until\``, site);
    if (ms !== undefined && !(typeof ms === "number" && Number.isFinite(ms) && ms >= 0)) {
      throw new FlowDefinitionError(`${site.owner}: expected \`ms\` to be a non-negative finite number, got ${JSON.stringify(ms) ?? String(ms)}`, site);
    }
    if (until !== undefined && typeof until !== "function") {
      throw new FlowDefinitionError(`${site.owner}: expected \`until\` to be a function returning an epoch-ms deadline, got ${typeof until}`, site);
    }
    const deadline =
      typeof ms === "number"
        ? ({ now }: { now: number }) => now + ms
        : ({ input, outputs, now }: { input: unknown; outputs: Record<string, unknown>; now: number }) => {
            const at = (until as (ctx: { input: unknown; outputs: Record<string, unknown> }) => unknown)({ input, outputs });
            const value = at instanceof Date ? at.getTime() : at;
            // A deadline that is not a time would sleep forever or not at all: it ends the sleep at once, visibly.
            return typeof value === "number" && Number.isFinite(value) ? value : now;
          };
    return this.extend([name], this.pauseStep(name, { type: "sleep", until: deadline })) as never;
  }

  /**
   * Adds a step that runs another flow as a child run (an invoked child actor, persisted inside this
   * run's snapshot). Its outputs become this step's output. A failed child undoes its own steps and
   * fails this step; if a later step fails, the completed child's steps are undone, newest first.
   * @example flow.child("ship", shippingFlow, { input: (ctx) => ({ orderId: ctx.input.orderId }) })
   */
  child<const N extends string, CI, CO extends Record<string, unknown>>(
    name: UniqueName<N, TOutputs>,
    flow: Flow<CI, CO, Record<string, unknown>>,
    options: { input: (ctx: { input: TInput; outputs: Readonly<TOutputs> }) => CI },
  ): Flow<TInput, WithOutput<TOutputs, N, CO>, TWaits> {
    checkName(name, this.name, "Child step");
    const site = { flow: this.name, step: name, prefix: "", owner: `Child step "${name}" of flow "${this.name}"` };
    if (!(flow instanceof Flow)) throw new FlowDefinitionError(`${site.owner}: expected a flow made with create(), got ${typeof flow}`, site);
    if (typeof options !== "object" || options === null || typeof options.input !== "function") {
      throw new FlowDefinitionError(`${site.owner}: expected { input: (ctx) => the child's input }`, site);
    }
    rejectUnknownOptions(options, ["input"], site);
    const step: StepDefinition = {
      ...this.defineStep(name, notCalled, {}, undefined),
      // The undo of a child is its own compensations (an invoked machine), never this function.
      compensate: notCalled,
      child: { flow, input: options.input as ChildSpec["input"] },
    };
    return this.extend([name], step) as never;
  }

  /**
   * Sends a signal to the wait `name` of run `runId`, validated against the wait's schema (nothing
   * is stored when it fails). With a store (given, or the default one) it resolves once recorded
   * there, and the run takes it whenever it reaches the wait, in any process; without one, once
   * the run, live in this process, has it. A repeated `signalId` is recorded once.
   * @example await order.signal(runId, "payment-confirmed", { chargeId: "ch_1" }, { store, signalId: "evt_123" })
   */
  signal<N extends keyof TWaits & string>(runId: string, name: N, payload: TWaits[N], options: SignalOptions = {}): Promise<SignalReceipt> {
    return sendSignal(this.definition, runId, name, payload, options.store ?? getDefaultStore(), options.signalId);
  }

  /**
   * Runs the flow to its end and resolves with the result; business failure is a result, not a rejection.
   * Rejects with `FlowValidationError` when the input fails the schema (no step runs).
   */
  run(input: TInput, options: DurableRunOptions = {}): Promise<FlowResult<TOutputs>> {
    let value: ReturnType<typeof validateInput>;
    try {
      value = validateInput(this.name, this.definition.schema, input);
    } catch (error) {
      return Promise.reject(error);
    }
    const store = options.store ?? getDefaultStore();
    if (store) return runDurably(this.engine(), store, value, options) as Promise<FlowResult<TOutputs>>;
    const runId = runIdOf(options);
    const launch = (valid: Json) => launchRun<TOutputs>(this.engine(), runId, { input: valid }, options).result;
    if (value instanceof Promise) return value.then(launch);
    try {
      return launch(value);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Continues a stored run from its last snapshot: a step that was running runs again (at-least-once),
   * a completed one does not, a retry wait resumes with the time that remained. A finished run gives its result.
   */
  resume(runId: string, options: ResumeOptions = {}): Promise<FlowResult<TOutputs>> {
    const store = options.store ?? getDefaultStore();
    if (!store) return Promise.reject(new StoreError(`flow.resume("${runId}") needs a store: pass { store } or call setDefaultStore()`));
    return resumeRun(this.engine(), store, runId, options) as Promise<FlowResult<TOutputs>>;
  }

  /**
   * Stores a run and queues it for whichever worker is free, in one transaction, after validating
   * the input here; resolves with its id. Needs a store with a queue (`postgresStore`). The run id
   * is an idempotency key: the same id with the same input is one run; with other input it is
   * refused with `RunInputMismatchError`.
   * @example const { runId } = await flow.enqueue(order, { store, runId: `order-${order.id}` });
   */
  async enqueue(input: TInput, options: { store?: RunStore; runId?: string } = {}): Promise<{ runId: string }> {
    const store = options.store ?? getDefaultStore();
    if (!store) throw new StoreError(`flow.enqueue() of flow "${this.name}" needs a store: pass { store } or call setDefaultStore()`, { flow: this.name });
    const value = await validateInput(this.name, this.definition.schema, input);
    return enqueueRun(this.engine(), store, runIdOf(options), value);
  }

  /**
   * Resolves with a run's result once it has ended, from whichever process runs it (a worker, or
   * another server); rejects with `RunTimeoutError` after `timeoutMs`.
   * @example const result = await flow.result(runId, { store, timeoutMs: 30_000 });
   */
  async result(runId: string, options: { store?: RunStore; timeoutMs?: number } = {}): Promise<FlowResult<TOutputs>> {
    const store = options.store ?? getDefaultStore();
    if (!store) throw new StoreError(`flow.result("${runId}") needs a store: pass { store } or call setDefaultStore()`, { flow: this.name });
    return (await awaitResult(this.name, store, runId, options.timeoutMs)) as FlowResult<TOutputs>;
  }

  /** Starts the flow and returns a handle at once: `{ runId, actor, result, cancel, signal }`. Needs a synchronous schema. */
  start(input: TInput, options: RunOptions & { store?: RunStore; leaseMs?: number } = {}): RunHandle<TOutputs, TWaits> {
    const value = validateInput(this.name, this.definition.schema, input);
    if (value instanceof Promise) {
      value.catch(() => undefined);
      throw new OrchestrixError(
        ErrorCode.SCHEMA_ASYNC,
        `Flow "${this.name}" has an async schema; start() must validate synchronously, use run() instead`,
        { flow: this.name },
      );
    }
    const store = options.store ?? getDefaultStore();
    const runId = runIdOf(options);
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const now = Date.now();
    const claim = store && { store, fence: 1, seq: 0, isNew: true, leaseUntil: now + leaseMs, leaseMs, inputHash: inputHash(value), createdAt: now };
    return launchRun<TOutputs>(this.engine(), runId, { input: value }, options, claim) as RunHandle<TOutputs, TWaits>;
  }

  /** The machine's config as JSON (functions left out): what Stately's editor and inspector can show. */
  toJSON(): Record<string, unknown> {
    return toMachineJson(this.machine);
  }

  /** The machine as a Mermaid `stateDiagram-v2`. */
  toMermaid(): string {
    return toMermaid(this.toJSON());
  }

  private engine(): FlowEngine {
    return { definition: this.definition, compiled: this.compile() };
  }

  private compile(): CompiledFlow {
    return (this.compiled ??= compileFlow(this.definition));
  }

  /** A step that waits or sleeps: no function, no undo, no retries. */
  private pauseStep(name: string, pause: Pause): StepDefinition {
    return { ...this.defineStep(name, notCalled, {}, undefined), pause };
  }

  private extend(names: string[], node: FlowDefinition["nodes"][number]): Flow<TInput, never> {
    const taken = new Set(this.definition.nodes.flatMap((n) => (n.kind === "step" ? [n.name] : [n.name, ...n.branches.map((b) => b.name)])));
    for (const name of names) {
      if (taken.has(name)) {
        throw new FlowDefinitionError(
          `Flow "${this.name}" already has a step named "${name}": step names must be unique across the flow, parallel branches included`,
          { flow: this.name, step: name },
        );
      }
      taken.add(name);
    }
    return new Flow({ ...this.definition, nodes: [...this.definition.nodes, node] });
  }

  private defineStep(name: unknown, fn: unknown, options: unknown, group: string | undefined): StepDefinition {
    const flow = this.name;
    checkName(name, flow, group === undefined ? "Step" : `Branch of "${group}"`);
    if (typeof fn !== "function") {
      throw new FlowDefinitionError(`Step "${name}" of flow "${flow}": expected a function, got ${typeof fn}`, { flow, step: name });
    }
    const raw = (options ?? {}) as StepOptions;
    if (typeof raw !== "object") {
      throw new FlowDefinitionError(`Step "${name}" of flow "${flow}": expected options to be an object, got ${typeof raw}`, {
        flow,
        step: name,
      });
    }
    rejectUnknownOptions(raw, STEP_OPTION_NAMES, { flow, step: name, prefix: "" });
    const { compensate, compensation, ...retry } = raw;
    if (compensate !== undefined && typeof compensate !== "function") {
      throw new FlowDefinitionError(
        `Step "${name}" of flow "${flow}": expected \`compensate\` to be a function, got ${typeof compensate}`,
        { flow, step: name },
      );
    }
    const compensationSite = { flow, step: name, prefix: "compensation." };
    if (compensation !== undefined && (typeof compensation !== "object" || compensation === null || Array.isArray(compensation))) {
      const got = typeof compensation === "function" ? "a function" : Array.isArray(compensation) ? "an array" : String(compensation);
      throw new FlowDefinitionError(
        `Step "${name}" of flow "${flow}": expected \`compensation\` to be the compensation's retry policy ({ retries, retryDelayMs, … }), got ${got}` +
          (typeof compensation === "function" ? "; the function that undoes the step goes in `compensate`" : ""),
        { flow, step: name },
      );
    }
    if (compensation !== undefined) rejectUnknownOptions(compensation, RETRY_OPTION_NAMES, compensationSite);
    return {
      kind: "step",
      name,
      run: fn as StepFunction,
      compensate: compensate as StepFunction | undefined,
      policy: resolveRetryPolicy(retry, STEP_RETRY_DEFAULTS, { flow, step: name, prefix: "" }),
      compensationPolicy: resolveRetryPolicy(compensation ?? {}, COMPENSATION_RETRY_DEFAULTS, compensationSite),
      group,
    };
  }
}

/**
 * Whether a name can be an XState state key or id: `.` is XState's path separator and `#` starts
 * an id; `__proto__` would set an object's prototype instead of naming a state or a record.
 */
function isStateName(name: unknown): name is string {
  return typeof name === "string" && name.trim() !== "" && !/[.#]/.test(name) && name !== "__proto__";
}

/** Throws when a step or group name cannot be a state key. */
function checkName(name: unknown, flow: string, what: string): asserts name is string {
  if (!isStateName(name)) {
    throw new FlowDefinitionError(
      `${what} of flow "${flow}": expected a non-empty name without "." or "#" (and not "__proto__"), got ${JSON.stringify(name) ?? String(name)}`,
      { flow },
    );
  }
}

/** The logging options `create()` was given (or the environment asks for), or `undefined` for no log. */
function resolveLogging(flow: string, logging: FlowConfig<unknown>["logging"]): LoggingOptions | undefined {
  if (logging === undefined) return loggingFromEnvironment() ? {} : undefined;
  if (typeof logging === "boolean") return logging ? {} : undefined;
  if (typeof logging !== "object" || logging === null || Array.isArray(logging)) {
    throw new FlowDefinitionError(`Flow "${flow}": expected \`logging\` to be a boolean or { enabled, write }, got ${typeof logging}`, { flow });
  }
  rejectUnknownOptions(logging, ["enabled", "write"], { flow, step: flow, prefix: "logging.", owner: `The config of flow "${flow}"` });
  if (logging.enabled !== undefined && typeof logging.enabled !== "boolean") {
    throw new FlowDefinitionError(`Flow "${flow}": expected \`logging.enabled\` to be a boolean, got ${typeof logging.enabled}`, { flow });
  }
  if (logging.write !== undefined && typeof logging.write !== "function") {
    throw new FlowDefinitionError(`Flow "${flow}": expected \`logging.write\` to be a function, got ${typeof logging.write}`, { flow });
  }
  if (logging.enabled === false) return undefined;
  return logging.write ? { write: logging.write } : {};
}

/**
 * Starts a flow definition. Add steps with `.step()` and `.parallel()`, then `run()` it.
 * @example const flow = create<Order>("checkout", { schema: OrderSchema }).step("reserve", reserve, { compensate: release });
 */
export function create<TInput = unknown>(name: string, config: FlowConfig<TInput> = {}): Flow<TInput, {}> {
  if (!isStateName(name)) {
    throw new FlowDefinitionError(`Expected the flow name to be a non-empty string without "." or "#" (and not "__proto__"), got ${JSON.stringify(name)}`);
  }
  rejectUnknownOptions(config, ["schema", "version", "hooks", "plugins", "logging"], {
    flow: name,
    step: name,
    prefix: "",
    owner: `The config of flow "${name}"`,
  });
  const schema = config.schema as StandardSchemaV1 | undefined;
  if (schema !== undefined && typeof schema?.["~standard"]?.validate !== "function") {
    throw new FlowDefinitionError(`Flow "${name}": expected \`schema\` to be a Standard Schema v1 validator (zod 4, valibot, arktype…)`, {
      flow: name,
    });
  }
  const logging = resolveLogging(name, config.logging);
  const plugins: FlowPlugin[] = [...(config.plugins ?? [])];
  if (logging) plugins.push(loggingPlugin(logging));
  return new Flow({ name, version: config.version, schema, nodes: [], hooks: config.hooks, plugins });
}
