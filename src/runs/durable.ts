import type { Snapshot } from "xstate";
import { withErrors } from "../compile/result.js";
import { flattenSteps } from "../definition.js";
import { reviveError } from "../error-record.js";
import {
  FlowAlreadyRunningError,
  FlowVersionMismatchError,
  RunExistsError,
  RunInputMismatchError,
  RunNotFoundError,
  SnapshotError,
} from "../errors.js";
import { isRecord, type Json } from "../json.js";
import { readFlowSnapshot } from "../snapshot/read.js";
import type { Claim, RunRecord, RunStore, RunSummary } from "../stores/types.js";
import type { FlowResult, RunOptions } from "../types.js";
import { inputHash } from "./input-hash.js";
import { launchRun, runIdOf, type FlowEngine, type RunHandle } from "./launch.js";
import { DEFAULT_LEASE_MS, isHeld, thisOwner } from "./owner.js";
import { joinOrStart } from "./registry.js";
import { announceResumption, prepareResumption } from "./resume.js";
import type { HandBackOptions } from "./hand-back.js";

/** How long an owner's claim lasts without a renewal (it renews three times per lease). */
export interface LeaseOptions {
  /** A run whose owner stopped renewing for this long may be claimed by any process on any host. @default 30000 */
  leaseMs?: number;
}

/** Options of a run kept in a store: idempotent run ids, cached results. */
export interface DurableRunOptions extends RunOptions, LeaseOptions, HandBackOptions {
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
}

/** Options of `flow.resume()` and `resumeAll()`. */
export interface ResumeOptions extends RunOptions, LeaseOptions, HandBackOptions {
  store?: RunStore;
}

const POLL_MS = 100;

/** `flow.run()` with a store: returns a stored result, joins a live run, takes over an abandoned one, or starts anew. */
export function runDurably(engine: FlowEngine, store: RunStore, input: Promise<Json> | Json, options: DurableRunOptions): Promise<FlowResult> {
  const runId = runIdOf(options);
  // Validate before joining: invalid input must be rejected, not handed another call's result.
  // Input validated synchronously joins at once, so a second call gets the very same promise.
  if (input instanceof Promise) return input.then((value) => runDurably(engine, store, value, { ...options, runId }));
  const hash = inputHash(input);
  return joinOrStart(store, engine.definition.name, runId, hash, () => new RunInputMismatchError(engine.definition.name, runId), async () => {
    // A new id can be raced by another process creating it too: the loser sees its record and goes on from there.
    for (let tries = 0; ; tries++) {
      const existing = await store.load(runId);
      // A new run starts at fence 1, or one past the finished run whose id it takes over.
      let fence = 1;
      if (existing) {
        checkBelongs(engine, existing);
        if (existing.inputHash !== "" && existing.inputHash !== hash) throw new RunInputMismatchError(engine.definition.name, runId);
        if (existing.status === "running") {
          const claim = await takeOver(store, existing, options);
          if (claim) return restore(engine, store, claim, options).result;
          if (options.throwIfRunning !== false) throw alreadyRunning(engine, await store.load(runId), existing);
          return waitForRun(engine, store, runId, options, hash);
        }
        const expired = options.ttlMs !== undefined && Date.now() - existing.updatedAt > options.ttlMs;
        if (options.cacheResult !== false && !expired) return storedResult(existing);
        // Only the process whose delete found the old run at its fence creates the new one; the others' create fails.
        await store.delete(runId, existing.fence);
        fence = existing.fence + 1;
      }
      try {
        return await launchNew(engine, store, runId, input, hash, options, fence).result;
      } catch (error) {
        if (error instanceof RunExistsError && tries < 3) continue;
        throw error;
      }
    }
  });
}

/** `flow.resume()`: continues a stored run from its last snapshot (a finished one just gives its result). */
export function resumeRun(engine: FlowEngine, store: RunStore, runId: string, options: ResumeOptions): Promise<FlowResult> {
  return joinOrStart(store, engine.definition.name, runId, undefined, undefined, async () => {
    const record = await store.load(runId);
    if (!record) throw new RunNotFoundError(runId, engine.definition.name);
    checkBelongs(engine, record);
    if (record.status !== "running") return storedResult(record);
    const claim = await takeOver(store, record, options);
    if (!claim) throw alreadyRunning(engine, await store.load(runId), record);
    return restore(engine, store, claim, options).result;
  });
}

/** What `resumeAll()` did with each unfinished run. */
export interface ResumedRuns {
  /** Runs now continuing in this process, with their eventual results. */
  resumed: { runId: string; flow: string; result: Promise<FlowResult> }[];
  /** Runs left alone, and why. */
  skipped: { runId: string; flow: string; reason: string }[];
}

/** What `resumeAll()` needs of each flow. */
export interface ResumableFlow {
  name: string;
  definitionHash: string;
  resume(runId: string, options: ResumeOptions): Promise<FlowResult>;
}

/**
 * Restarts every unfinished run of the given flows that no live owner holds; call it on process
 * start. With a store that has a queue, runs nobody owns are left to the workers their jobs go to.
 */
export async function resumeAll(
  options: { store: RunStore; flows: readonly ResumableFlow[] } & Omit<ResumeOptions, "store">,
): Promise<ResumedRuns> {
  const { store, flows, ...rest } = options;
  const outcome: ResumedRuns = { resumed: [], skipped: [] };
  const skip = (run: RunSummary, reason: string) => outcome.skipped.push({ runId: run.runId, flow: run.flow, reason });
  let after: string | undefined;
  do {
    const page = await store.list({ status: "running", limit: 500, ...(after === undefined ? {} : { after }) });
    after = page.next;
    for (const run of page.runs) {
      const flow = flows.find((candidate) => candidate.name === run.flow);
      if (!flow) {
        skip(run, `no flow named "${run.flow}" was given`);
      } else if (isHeld(run)) {
        skip(run, run.owner === thisOwner ? "already running in this process" : `held by ${run.owner ?? "?"}`);
      } else if (run.owner === null && store.queue) {
        // Queued, parked or handed back: its job in the store's queue hands it to a worker.
        skip(run, "it is queued for a worker (the store's queue has its job)");
      } else if (run.definitionHash !== flow.definitionHash) {
        skip(run, `it was saved by another shape of flow "${run.flow}" (definition ${run.definitionHash}, this one is ${flow.definitionHash})`);
      } else {
        // A snapshot that cannot be read (corrupt JSON, foreign shape) is reported here, not thrown: the other runs go on.
        const problem = await store.load(run.runId).then(
          (record) => (record ? snapshotProblemOf(record) : "it is no longer stored"),
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        );
        if (problem) {
          skip(run, problem);
          continue;
        }
        const result = flow.resume(run.runId, { ...rest, store });
        // Lost races and store failures surface through `result`; keep an unobserved rejection from crashing the process.
        result.catch(() => undefined);
        outcome.resumed.push({ runId: run.runId, flow: run.flow, result });
      }
    }
  } while (after !== undefined);
  return outcome;
}

/** Starts a new run stored at `fence` (1, or one past the finished run it replaces). */
function launchNew(engine: FlowEngine, store: RunStore, runId: string, input: Json, hash: string, options: DurableRunOptions, fence: number): RunHandle {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const now = Date.now();
  return launchRun(engine, runId, { input }, options, {
    store,
    fence,
    seq: 0,
    isNew: true,
    leaseUntil: now + leaseMs,
    leaseMs,
    inputHash: hash,
    createdAt: now,
    ...handBackOf(options),
  });
}

/** The hand-back options given, without absent keys. */
function handBackOf(options: HandBackOptions): HandBackOptions {
  return {
    ...(options.handBack === undefined ? {} : { handBack: options.handBack }),
    ...(options.parkAfterMs === undefined ? {} : { parkAfterMs: options.parkAfterMs }),
  };
}

/** Claims a run whose owner is gone (or whose lease ran out), in one conditional write; `undefined` when it is held or another claimant won. */
function takeOver(store: RunStore, run: RunSummary, options: LeaseOptions): Promise<Claim | undefined> {
  if (isHeld(run)) return Promise.resolve(undefined);
  const leaseUntil = Date.now() + (options.leaseMs ?? DEFAULT_LEASE_MS);
  return store.claim(run.runId, { fence: run.fence, heldUntil: run.leaseUntil, owner: thisOwner, leaseUntil });
}

function alreadyRunning(engine: FlowEngine, current: RunSummary | undefined, read: RunSummary): FlowAlreadyRunningError {
  return new FlowAlreadyRunningError(engine.definition.name, read.runId, (current ?? read).owner ?? "another process");
}

/** Refuses a record of another flow, of another shape, or with a snapshot that is not this flow's. */
export function checkBelongs(engine: FlowEngine, record: RunRecord): void {
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
  const problem = snapshotProblemOf(record, engine);
  if (problem) {
    throw new SnapshotError(`The stored snapshot of run "${record.runId}" is not a snapshot of flow "${definition.name}": ${problem}. It was left as it is`, {
      flow: definition.name,
    });
  }
}

/**
 * What is wrong with a stored snapshot, or `undefined`: read once, checked as an Orchestrix run of
 * this record, and, given the flow's engine, as a state of its machine.
 */
function snapshotProblemOf(record: RunRecord, engine?: FlowEngine): string | undefined {
  const reading = readFlowSnapshot(record.snapshot);
  if (!reading.ok) return reading.problem;
  const { context, value } = reading.snapshot;
  if (context.runId !== record.runId) return `its context is for run ${JSON.stringify(context.runId)}`;
  if (context.flow.definitionHash !== record.definitionHash) return "its context was made by another definition";
  if (!engine) return undefined;
  const missing = flattenSteps(engine.definition.nodes).find((step) => !isRecord(context.steps[step.name]));
  if (missing) return `its context has no record of step "${missing.name}"`;
  try {
    engine.compiled.machine.resolveState({ value: value as never, context });
  } catch (cause) {
    return `its state ${JSON.stringify(value)} is not a state of this machine (${(cause as Error).message})`;
  }
  return undefined;
}

/** Restores a claimed run's snapshot into the flow's machine and continues it at the claim's fence. */
function restore(engine: FlowEngine, store: RunStore, claim: Claim, options: RunOptions & LeaseOptions & HandBackOptions): RunHandle {
  const { record } = claim;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  try {
    // The previous owner may have saved between our read and our claim: check what was claimed.
    checkBelongs(engine, record);
    // A queued run (flow.enqueue) was stored but never started: it starts from its input, as a new run does.
    const queued = record.seq === 0 ? readFlowSnapshot(record.snapshot) : undefined;
    if (queued?.ok) {
      return launchRun(engine, record.runId, { input: queued.snapshot.context.input }, options, { store, ...claimOf(claim, leaseMs), ...handBackOf(options) });
    }
    const resumption = prepareResumption(record);
    const handle = launchRun<Record<string, unknown>>(engine, record.runId, { snapshot: resumption.snapshot as unknown as Snapshot<unknown> }, options, {
      store,
      ...claimOf(claim, leaseMs),
      ...handBackOf(options),
    });
    announceResumption(engine.definition, resumption.event);
    return handle;
  } catch (cause) {
    // Nothing ran: hand the run back rather than hold it until the lease runs out.
    void store.release(record.runId, claim.fence).catch(() => undefined);
    if (cause instanceof SnapshotError || cause instanceof FlowVersionMismatchError) throw cause;
    throw new SnapshotError(
      `The stored snapshot of run "${record.runId}" does not fit flow "${engine.definition.name}": ${cause instanceof Error ? cause.message : String(cause)}. It was left as it is`,
      { flow: engine.definition.name, cause },
    );
  }
}

function claimOf(claim: Claim, leaseMs: number) {
  const { record } = claim;
  return {
    fence: claim.fence,
    seq: record.seq,
    isNew: false,
    leaseUntil: record.leaseUntil ?? Date.now() + leaseMs,
    leaseMs,
    inputHash: record.inputHash,
    createdAt: record.createdAt,
  };
}

/** Waits for a run another process holds; takes it over if that process dies or stops renewing its lease. */
async function waitForRun(engine: FlowEngine, store: RunStore, runId: string, options: DurableRunOptions, hash?: string): Promise<FlowResult> {
  for (;;) {
    options.signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const record = await store.load(runId);
    if (!record) throw new RunNotFoundError(runId, engine.definition.name);
    // The run waited for may have ended and been replaced (ttlMs) by a run of other input.
    if (hash !== undefined && record.inputHash !== "" && record.inputHash !== hash) throw new RunInputMismatchError(engine.definition.name, runId);
    if (record.status !== "running") return storedResult(record);
    const claim = await takeOver(store, record, options);
    if (claim) return restore(engine, store, claim, options).result;
  }
}

/** The result kept in a finished run's snapshot, with its errors revived as `Error` objects; `cached` says it came from the store. */
export function storedResult(record: RunRecord): FlowResult {
  const reading = readFlowSnapshot(record.snapshot);
  const output = reading.ok ? reading.snapshot.output : undefined;
  if (!output) {
    throw new SnapshotError(`Run "${record.runId}" is marked ${record.status} but its snapshot holds no result`, { flow: record.flow });
  }
  return { ...withErrors(output, (_, error) => reviveError(error)), cached: true };
}
