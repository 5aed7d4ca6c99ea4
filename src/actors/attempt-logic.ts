import type { AnyActorRef, PromiseActorLogic } from "xstate";
import { AttemptAbort } from "./attempt-abort.js";

const RESOLVE = "orchestrix.attempt.resolve";
const REJECT = "orchestrix.attempt.reject";
/** The event XState sends an actor it stops. */
const STOP = "xstate.stop";

/** The abort of every attempt actor in flight, by actor. */
const inFlight = new WeakMap<AnyActorRef, AttemptAbort>();

/**
 * Promise actor logic for attempts and retry waits. It behaves like XState's `fromPromise` (same
 * snapshot, re-invoked when restored in flight, aborted when stopped), but the work receives an
 * {@link AttemptAbort} instead of an `AbortSignal`: a controller per attempt is made only when a
 * step reads `ctx.signal`, and the machine's actions can abort a running attempt by its actor.
 */
export function fromAttempt<TOutput, TInput>(
  work: (input: TInput, abort: AttemptAbort) => PromiseLike<TOutput>,
): PromiseActorLogic<TOutput, TInput> {
  return {
    config: work,
    transition: (snapshot, event, { self }) => {
      if (snapshot.status !== "active") return snapshot;
      switch (event.type) {
        case RESOLVE:
          return { ...snapshot, status: "done", output: event["data"] as TOutput, input: undefined };
        case REJECT:
          return { ...snapshot, status: "error", error: event["data"], input: undefined };
        case STOP:
          inFlight.get(self)?.abort(new DOMException("This operation was aborted", "AbortError"));
          inFlight.delete(self);
          return { ...snapshot, status: "stopped", input: undefined };
        default:
          return snapshot;
      }
    },
    start: (snapshot, { self }) => {
      if (snapshot.status !== "active") return;
      const abort = new AttemptAbort();
      inFlight.set(self, abort);
      const settle = (type: string) => (data: unknown) => {
        if (self.getSnapshot().status !== "active") return;
        inFlight.delete(self);
        self.send({ type, data });
      };
      let promise: PromiseLike<TOutput>;
      try {
        promise = work(snapshot.input as TInput, abort);
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(settle(RESOLVE), settle(REJECT));
    },
    getInitialSnapshot: (_, input) => ({ status: "active", output: undefined, error: undefined, input }),
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot: (snapshot) => snapshot as never,
  };
}

/** Aborts the attempt an actor is running, if it is one still in flight. */
export function abortAttempt(actor: AnyActorRef | undefined, reason: unknown): void {
  if (actor) inFlight.get(actor)?.abort(reason);
}
