import type { Snapshot } from "xstate";
import type { CompiledFlow } from "./compile/machine.js";
import { reviveError } from "./error-record.js";
import { withErrors } from "./compile/result.js";
import { flattenSteps, type FlowDefinition } from "./definition.js";
import type { FlowContext } from "./compile/context.js";
import { FlowAlreadyRunningError, FlowVersionMismatchError, RunNotFoundError, SnapshotError } from "./errors.js";
import type { Json } from "./json.js";
import { ownerAlive, thisOwner } from "./owner.js";
import { announceResumption, prepareResumption } from "./resume.js";
import { launchRun, type RunHandle } from "./run.js";
import type { RunRecord, RunStore } from "./store/types.js";
import type { FlowResult, RunOptions } from "./types.js";

/** Options of a run kept in a store: idempotent run ids, cached results. */
export interface DurableRunOptions extends RunOptions {
  /** Where the run is saved after every transition. @default the store set with `setDefaultStore`, else none */
  store?: RunStore;
  /** Alias of `runId`: an idempotency key. */
  key?: string;
  /** A finished run's stored result is returned for this long after it ended; later the id runs again. @default forever */
  ttlMs?: number;
  /** Return the stored result of a finished run with this id instead of running again. @default true */
  cacheResult?: boolean;
  /** When another process is running this id: throw `FlowAlreadyRunningError` (true) or wait for its result (false). @default true */
  throwIfRunning?: boolean;
  /** A run held by a process on another host counts as abandoned after this long without a save. @default 60000 */
  staleAfterMs?: number;
}

/** Options of `flow.resume()` and `resumeAll()`. */
export interface ResumeOptions extends RunOptions {
  store?: RunStore;
  staleAfterMs?: number;
}

/** The engine parts of a flow that durable runs need. */
export interface FlowEngine {
  definition: FlowDefinition;
  compiled: CompiledFlow;
}

const POLL_MS = 100;

/** Runs live in this process, per store, by run id: a second call with the same id joins the first. */
const inProcess = new WeakMap<RunStore, Map<string, Promise<FlowResult>>>();

function joinOrStart(store: RunStore, runId: string, start: () => Promise<FlowResult>): Promise<FlowResult> {
  let runs = inProcess.get(store);
  if (!runs) inProcess.set(store, (runs = new Map()));
  const live = runs.get(runId);
  if (live) return live;
  const work = start();
  runs.set(runId, work);
  const forget = () => {
    if (runs.get(runId) === work) runs.delete(runId);
  };
  work.then(forget, forget);
  return work;
}

/** `flow.run()` with a store: returns a stored result, joins a live run, resumes an abandoned one, or starts anew. */
export function runDurably(engine: FlowEngine, store: RunStore, input: Promise<Json> | Json, options: DurableRunOptions): Promise<FlowResult> {
  const runId = options.runId ?? options.key ?? crypto.randomUUID();
  // Validate before joining: invalid input must be rejected, not handed another call's result.
  // Input validated synchronously joins at once, so a second call gets the very same promise.
  if (input instanceof Promise) return input.then((value) => runDurably(engine, store, value, { ...options, runId }));
  return joinOrStart(store, runId, async () => {
    const existing = await store.load(runId);
    if (existing) {
      checkBelongs(engine, existing);
      if (existing.status !== "running") {
        const expired = options.ttlMs !== undefined && Date.now() - existing.updatedAt > options.ttlMs;
        if (options.cacheResult !== false && !expired) return storedResult(existing);
        await store.delete(runId);
      } else if (heldElsewhere(existing, options)) {
        if (options.throwIfRunning !== false) throw new FlowAlreadyRunningError(engine.definition.name, runId, existing.owner ?? "?");
        return waitForRun(engine, store, runId, options);
      } else {
        return restore(engine, store, existing, options).result;
      }
    }
    return launchRun<Record<string, unknown>>(engine.compiled, engine.definition, runId, { input }, options, {
      store,
      seq: 0,
      isNew: true,
      createdAt: Date.now(),
    }).result;
  });
}

/** `flow.resume()`: continues a stored run from its last snapshot (a finished one just gives its result). */
export function resumeRun(engine: FlowEngine, store: RunStore, runId: string, options: ResumeOptions): Promise<FlowResult> {
  return joinOrStart(store, runId, async () => {
    const record = await store.load(runId);
    if (!record) throw new RunNotFoundError(runId, engine.definition.name);
    checkBelongs(engine, record);
    if (record.status !== "running") return storedResult(record);
    if (heldElsewhere(record, options)) throw new FlowAlreadyRunningError(engine.definition.name, runId, record.owner ?? "?");
    return restore(engine, store, record, options).result;
  });
}

/** What `resumeAll()` did with each unfinished run. */
export interface ResumedRuns {
  /** Runs now continuing in this process, with their eventual results. */
  resumed: { runId: string; flow: string; result: Promise<FlowResult> }[];
  /** Runs left alone, and why. */
  skipped: { runId: string; flow: string; reason: string }[];
}

/** Restarts every unfinished run of the given flows that no live process holds; call it on process start. */
export async function resumeAll(options: { store: RunStore; flows: readonly { name: string; resume: (runId: string, options: ResumeOptions) => Promise<FlowResult> }[] } & Omit<ResumeOptions, "store">): Promise<ResumedRuns> {
  const { store, flows, ...rest } = options;
  const outcome: ResumedRuns = { resumed: [], skipped: [] };
  for (const record of await store.list({ status: "running", limit: Number.MAX_SAFE_INTEGER })) {
    const flow = flows.find((candidate) => candidate.name === record.flow);
    if (!flow) {
      outcome.skipped.push({ runId: record.runId, flow: record.flow, reason: `no flow named "${record.flow}" was given` });
    } else if (heldElsewhere(record, rest)) {
      const reason = record.owner === thisOwner ? "already running in this process" : `held by ${record.owner ?? "?"}`;
      outcome.skipped.push({ runId: record.runId, flow: record.flow, reason });
    } else {
      const result = flow.resume(record.runId, { ...rest, store });
      // Mismatches and store failures surface through `result`; keep an unobserved rejection from crashing the process.
      result.catch(() => undefined);
      outcome.resumed.push({ runId: record.runId, flow: record.flow, result });
    }
  }
  return outcome;
}

function heldElsewhere(record: RunRecord, options: { staleAfterMs?: number }): boolean {
  return ownerAlive(record, options.staleAfterMs);
}

/** Refuses a record of another flow, of another shape, or with a snapshot that is not this flow's. */
function checkBelongs(engine: FlowEngine, record: RunRecord): void {
  const { definition, compiled } = engine;
  if (record.flow !== definition.name) {
    throw new SnapshotError(`Run "${record.runId}" belongs to flow "${record.flow}", not "${definition.name}"; it was left as it is`, {
      flow: definition.name,
    });
  }
  if (record.definitionHash !== compiled.definitionHash) {
    throw new FlowVersionMismatchError(
      definition.name,
      record.runId,
      { definitionHash: record.definitionHash, version: record.version },
      { definitionHash: compiled.definitionHash, version: definition.version ?? null },
    );
  }
  const problem = snapshotProblem(engine, record);
  if (problem) {
    throw new SnapshotError(`The stored snapshot of run "${record.runId}" is not a snapshot of flow "${definition.name}": ${problem}. It was left as it is`, {
      flow: definition.name,
    });
  }
}

/** What is wrong with a stored snapshot, or `undefined` when it is a snapshot of this flow's machine. */
function snapshotProblem(engine: FlowEngine, record: RunRecord): string | undefined {
  const snapshot = record.snapshot as { status?: unknown; value?: unknown; context?: Partial<FlowContext> } | null;
  if (typeof snapshot !== "object" || snapshot === null || Array.isArray(snapshot)) return "it is not an object";
  if (snapshot.status !== "active" && snapshot.status !== "done") {
    return `its status is ${JSON.stringify(snapshot.status)}, expected "active" or "done"`;
  }
  const context = snapshot.context;
  if (typeof context !== "object" || context === null) return "it has no context";
  if (context.runId !== record.runId) return `its context is for run ${JSON.stringify(context.runId)}`;
  if (context.flow?.definitionHash !== engine.compiled.definitionHash) return "its context was made by another definition";
  const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
  for (const field of ["data", "outputs", "steps", "compensations"] as const) {
    if (!isObject(context[field])) return `its context has no ${field} object`;
  }
  const missing = flattenSteps(engine.definition.nodes).find((step) => !isObject(context.steps?.[step.name]));
  if (missing) return `its context has no record of step "${missing.name}"`;
  try {
    engine.compiled.machine.resolveState({ value: snapshot.value as never, context: context as FlowContext });
  } catch (cause) {
    return `its state ${JSON.stringify(snapshot.value)} is not a state of this machine (${(cause as Error).message})`;
  }
  return undefined;
}

/** Restores a stored snapshot into the flow's machine and continues it, saving from the stored `seq` on. */
function restore(engine: FlowEngine, store: RunStore, record: RunRecord, options: RunOptions): RunHandle {
  const resumption = prepareResumption(record);
  try {
    const handle = launchRun<Record<string, unknown>>(engine.compiled, engine.definition, record.runId, { snapshot: resumption.snapshot as unknown as Snapshot<unknown> }, options, {
      store,
      seq: record.seq,
      isNew: false,
      createdAt: record.createdAt,
    });
    announceResumption(engine.definition, resumption.event);
    return handle;
  } catch (cause) {
    throw new SnapshotError(
      `The stored snapshot of run "${record.runId}" does not fit flow "${engine.definition.name}": ${cause instanceof Error ? cause.message : String(cause)}. It was left as it is`,
      { flow: engine.definition.name, cause },
    );
  }
}

/** Waits for a run another process holds; takes it over if that process dies. */
async function waitForRun(engine: FlowEngine, store: RunStore, runId: string, options: DurableRunOptions): Promise<FlowResult> {
  for (;;) {
    options.signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const record = await store.load(runId);
    if (!record) throw new RunNotFoundError(runId, engine.definition.name);
    if (record.status !== "running") return storedResult(record);
    if (!heldElsewhere(record, options)) return restore(engine, store, record, options).result;
  }
}

/** The result kept in a finished run's snapshot, with its errors revived as `Error` objects. */
export function storedResult(record: RunRecord): FlowResult {
  const output = (record.snapshot as { output?: FlowResult } | null)?.output;
  if (!output || typeof output !== "object" || !Array.isArray(output.steps)) {
    throw new SnapshotError(`Run "${record.runId}" is marked ${record.status} but its snapshot holds no result`, { flow: record.flow });
  }
  return withErrors(output, (_, error) => reviveError(error));
}
