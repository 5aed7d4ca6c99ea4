import { describe, expect, it, vi } from "vitest";
import { createActor, toPromise } from "xstate";
import { create } from "orchestrix";
import { fromAttempt } from "../src/actors/attempt-logic.js";

/** A promise with its resolve and reject handed out. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("fromAttempt (the attempts' promise actor logic)", () => {
  it("ends done with the resolved value, like fromPromise, and makes no signal nobody read", async () => {
    let seen: { aborted: boolean } | undefined;
    const actor = createActor(
      fromAttempt(async (input: { n: number }, abort) => {
        seen = abort;
        return input.n * 2;
      }),
      { input: { n: 21 } },
    );
    actor.start();
    await expect(toPromise(actor)).resolves.toBe(42);
    expect(actor.getSnapshot()).toMatchObject({ status: "done", output: 42, input: undefined });
    expect(seen?.aborted).toBe(false);
  });

  it("ends in error with the rejection, synchronous throws included", async () => {
    const failing = createActor(
      fromAttempt<never, undefined>(() => {
        throw new Error("sync boom");
      }),
    );
    failing.subscribe({ error: () => undefined });
    failing.start();
    await vi.waitFor(() => expect(failing.getSnapshot().status).toBe("error"));
    expect((failing.getSnapshot().error as Error).message).toBe("sync boom");
  });

  it("aborts the work when the actor is stopped, and ignores a late result", async () => {
    const work = deferred<string>();
    const reasons: unknown[] = [];
    const actor = createActor(
      fromAttempt<string, undefined>((_, abort) => {
        abort.signal.addEventListener("abort", () => reasons.push(abort.signal.reason));
        return work.promise;
      }),
    );
    actor.start();
    actor.stop();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(DOMException);
    expect((reasons[0] as DOMException).name).toBe("AbortError");
    work.resolve("too late");
    await Promise.resolve();
    expect(actor.getSnapshot()).toMatchObject({ status: "stopped", output: undefined });
  });

  it("hands an already aborted signal to work that reads it only after the stop", async () => {
    const work = deferred<void>();
    let abortOf: { signal: AbortSignal } | undefined;
    const actor = createActor(
      fromAttempt<void, undefined>((_, abort) => {
        abortOf = abort;
        return work.promise;
      }),
    );
    actor.start();
    actor.stop();
    expect(abortOf?.signal.aborted).toBe(true);
    work.resolve();
  });

  it("stopping a run's actor aborts the ctx.signal of the step in flight", async () => {
    const started = deferred<void>();
    const aborted = deferred<unknown>();
    const flow = create("stop-in-flight").step("wait", (ctx) => {
      ctx.signal.addEventListener("abort", () => aborted.resolve(ctx.signal.reason));
      started.resolve();
      return new Promise<void>(() => undefined);
    });
    const handle = flow.start(undefined);
    handle.result.catch(() => undefined);
    await started.promise;
    handle.actor.stop();
    const reason = await aborted.promise;
    expect((reason as DOMException).name).toBe("AbortError");
  });
});
