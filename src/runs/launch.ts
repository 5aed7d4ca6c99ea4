import { createActor, type Actor, type AnyActorRef, type Snapshot } from "xstate";
import type { CompiledFlow } from "../compile/machine.js";
import { PreparedInput } from "../compile/input.js";
import { withErrors } from "../compile/result.js";
import type { FlowDefinition } from "../definition.js";
import { reviveError } from "../error-record.js";
import { ErrorCode, FlowAlreadyRunningError, OrchestrixError, RunHandedBackError } from "../errors.js";
import type { Json } from "../json.js";
import { persistedSnapshot } from "../snapshot/persist.js";
import { activeRecords, readFlowSnapshot } from "../snapshot/read.js";
import type { FlowResult, RunOptions } from "../types.js";
import { LeaseKeeper } from "./lease.js";
import { thisOwner } from "./owner.js";
import type { RunQueue, RunStore } from "../stores/types.js";
import { RunPersistence, type SaveClaim } from "./persistence.js";
import { registerRun, unregisterRun, keptError } from "./registry.js";
import { SignalFeed } from "./signal-feed.js";
import { sendSignal, signalWaitsOf, type SignalReceipt } from "./signal.js";
import { HandBack, type HandBackOptions } from "./hand-back.js";

/** A run in progress: its id, its actor, its eventual result, and ways to cancel it and to signal its waits. */
export interface RunHandle<TOutputs = Record<string, unknown>, TWaits = Record<string, unknown>> {
  /** The run's id. */
  readonly runId: string;
  /** The XState actor executing the run: subscribe to it, inspect it, persist its snapshot. */
  readonly actor: Actor<CompiledFlow["machine"]>;
  /** Settles with the run's result when it ends; rejects only if the engine or the store breaks, or another owner took the run. */
  readonly result: Promise<FlowResult<TOutputs>>;
  /** Cancels the run: in-flight work is aborted and completed steps are compensated. */
  cancel(reason?: string): void;
  /**
   * Sends a signal to the run's wait `name` (a `.waitFor()` step), validated against its schema.
   * Resolves once the run's store has recorded it, or, without a store, once the run has it.
   */
  signal<N extends keyof TWaits & string>(name: N, payload: TWaits[N], options?: { signalId?: string }): Promise<SignalReceipt>;
}

/** Where a launched run starts from: fresh validated input, or a stored snapshot. */
export type RunSource = { input: Json } | { snapshot: Snapshot<unknown> };

/** How a launched run is persisted: the claim it holds, how long a lease lasts, and when to hand it back. */
export interface LaunchClaim extends SaveClaim, HandBackOptions {
  leaseMs: number;
}

/** The engine parts of a flow a launch needs. */
export interface FlowEngine {
  definition: FlowDefinition;
  compiled: CompiledFlow;
}

/** The id of a run: the one given, else a new random UUID. */
export function runIdOf(options: { runId?: string; key?: string }): string {
  return options.runId ?? options.key ?? crypto.randomUUID();
}

/**
 * The one way a run starts in this process (run, start, resume, resumeAll): registers it as live
 * here, starts its actor, and wires result, cancellation, signal, saves and lease renewal.
 */
export function launchRun<TOutputs>(engine: FlowEngine, runId: string, source: RunSource, options: RunOptions, claim?: LaunchClaim): RunHandle<TOutputs> {
  const { compiled, definition } = engine;
  let saver: RunPersistence | undefined;
  let lease: LeaseKeeper | undefined;
  const restored = "snapshot" in source ? attemptsInFlight(source.snapshot) : undefined;
  // Attempts start only on a durable past and a lease that surely holds.
  const gate = claim ? async () => {
    await saver?.durable();
    await lease?.ensure();
  } : undefined;
  const live = registerRun(runId, gate, restored);
  if (!live) throw new FlowAlreadyRunningError(definition.name, runId, `this process (${thisOwner})`);
  let actor: Actor<CompiledFlow["machine"]>;
  try {
    actor = createActor(compiled.machine, {
      id: runId,
      ...("snapshot" in source ? { snapshot: source.snapshot } : { input: new PreparedInput(source.input, runId) }),
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
  } catch (error) {
    unregisterRun(runId, live);
    throw error;
  }
  const cancel = (reason?: string) => actor.send(reason === undefined ? { type: "CANCEL" } : { type: "CANCEL", reason });
  live.deliver = (signal) => actor.send({ type: "SIGNAL", signal });
  live.context = () => actor.getSnapshot().context;
  live.store = claim?.store;
  const waits = signalWaitsOf(definition);
  const feed = claim && waits.size > 0 ? new SignalFeed(claim.store, runId, new Set(waits.keys()), live.deliver) : undefined;
  const { signal } = options;
  const onAbort = () => cancel(abortReason(signal));
  let handBack: HandBack | undefined;

  const result = new Promise<FlowResult<TOutputs>>((resolve, reject) => {
    let stopCause: Error | undefined;
    const settle = () => {
      signal?.removeEventListener("abort", onAbort);
      lease?.stop();
      feed?.stop();
      unregisterRun(runId, live);
    };
    if (claim) {
      saver = new RunPersistence(claim, (failure) => {
        stopCause ??= failure;
        actor.stop();
      });
      const lost = saver;
      lease = new LeaseKeeper(claim.store, runId, claim.fence, claim.leaseMs, claim.leaseUntil, (error) => lost.fail(definition.name, runId, error));
      handBack = HandBack.of(
        claim,
        live,
        () => actor.getSnapshot(),
        (wakeAt) => {
          stopCause ??= new RunHandedBackError(definition.name, runId, wakeAt);
          actor.stop();
        },
        () => feed?.caughtUp ?? true,
      );
      if (feed && handBack) feed.onCaughtUp = () => handBack?.check();
    }
    // A child run's transitions are saved too: its snapshot is part of this run's.
    const saveAll = () => {
      const snapshot = actor.getSnapshot();
      saver?.record(snapshot, persistedSnapshot(snapshot));
    };
    const watched = new WeakSet<AnyActorRef>();
    const watchChildren = (parent: AnyActorRef) => {
      for (const child of Object.values((parent.getSnapshot() as { children?: Record<string, AnyActorRef> }).children ?? {})) {
        if (watched.has(child) || !isMachineActor(child)) continue;
        watched.add(child);
        child.subscribe({ next: () => (saveAll(), watchChildren(child)), error: () => undefined });
      }
    };
    actor.subscribe({
      next: (snapshot) => {
        saver?.record(snapshot, persistedSnapshot(snapshot));
        feed?.update(snapshot.context);
        if (saver) watchChildren(actor);
        handBack?.check();
      },
      complete: () => {
        const snapshot = actor.getSnapshot();
        const fail = (error: unknown) => {
          settle();
          reject(error);
        };
        handBack?.dispose();
        if (stopCause instanceof RunHandedBackError && saver && claim) {
          // Hand the run back only once the snapshot of this boundary is durable; a failed save wins.
          const cause = stopCause;
          lease?.stop();
          saver
            .durable()
            .then(() => (claim.store.queue ? parkRun(claim.store, claim.store.queue, runId, definition.name, claim.fence, cause.wakeAt) : claim.store.release(runId, claim.fence)))
            .then(() => fail(cause), fail);
          return;
        }
        if (stopCause) return fail(stopCause);
        if (snapshot.status !== "done") {
          return fail(
            new OrchestrixError(ErrorCode.FLOW_CANCELLED, `Run "${runId}" of flow "${definition.name}" was stopped before it ended`, {
              flow: definition.name,
            }),
          );
        }
        const finish = () => {
          // The machine's output is the result with error records; hand back the original errors.
          const outcome = withErrors(snapshot.output, (key, record) => keptError(runId, key) ?? reviveError(record));
          settle();
          resolve(outcome as FlowResult<TOutputs>);
        };
        // With a store, the result is handed back only once the final snapshot is durable.
        if (saver) saver.durable().then(finish, fail);
        else finish();
      },
      error: (error) => {
        settle();
        reject(error);
      },
    });
  });
  actor.start();
  // A restored run may be waiting already: look for its signals at once.
  feed?.update(actor.getSnapshot().context);
  handBack?.watch();
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  const sendTo = (name: string, payload: unknown, signalOptions?: { signalId?: string }) =>
    sendSignal(definition, runId, name, payload, claim?.store, signalOptions?.signalId);
  return { runId, actor, result, cancel, signal: sendTo };
}

/**
 * Parks a run on its store's queue. A run parked while it waits for a signal is woken by the
 * signal's sender (who records it, then wakes the run); a signal recorded while the run was still
 * parking found the run held and woke nobody, so once parked, the run looks again and wakes itself.
 */
async function parkRun(store: RunStore, queue: RunQueue, runId: string, flow: string, fence: number, wakeAt: number | null | undefined): Promise<void> {
  await queue.park(runId, flow, fence, wakeAt);
  if (wakeAt !== undefined && (await store.signals(runId)).length > 0) await queue.wake(runId, flow);
}

/** Whether an actor runs a state machine (a child flow), not a promise (an attempt, a wait). */
function isMachineActor(actor: AnyActorRef): boolean {
  return "machine" in (actor.getSnapshot() as object);
}

function abortReason(signal: AbortSignal | undefined): string | undefined {
  const reason: unknown = signal?.reason;
  if (reason === undefined) return undefined;
  return reason instanceof Error ? reason.message : String(reason);
}

/** The attempts a snapshot shows in flight, as `kind:step:attempt` keys. */
function attemptsInFlight(snapshot: Snapshot<unknown>): string[] {
  const reading = readFlowSnapshot(snapshot);
  if (!reading.ok) return [];
  return activeRecords(reading.snapshot.context)
    .filter(({ record }) => record.status === "running")
    .map(({ kind, name, record }) => `${kind}:${name}:${record.attempts}`);
}
