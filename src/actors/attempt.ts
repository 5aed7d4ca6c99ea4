import type { StepDefinition } from "../definition.js";
import { reviveError, toError } from "../error-record.js";
import { StepTimeoutError } from "../errors.js";
import { AttemptContext, toFrozenJson, type AttemptInput, type AttemptOutput } from "./step-context.js";
import { fromAttempt } from "./attempt-logic.js";
import { enterStep, keepError, keptError, leaveStep, untilDurable } from "../runs/registry.js";

/** An attempt that was aborted before its function was called: it does not count as an attempt. */
export class AttemptNotStarted extends Error {
  constructor(reason: unknown) {
    super("The attempt was aborted before it started", { cause: reason });
    this.name = "AttemptNotStarted";
  }
}

/** The actor logic that runs one attempt of a step or of its compensation. */
export function attemptActor(flow: string, steps: ReadonlyMap<string, StepDefinition>) {
  return fromAttempt<AttemptOutput, AttemptInput>(async (input, abort) => {
    const step = steps.get(input.step);
    const run = input.kind === "step" ? step?.run : step?.compensate;
    if (!step || !run) throw new Error(`Flow "${flow}" has no ${input.kind} named "${input.step}"`);
    const policy = input.kind === "step" ? step.policy : step.compensationPolicy;
    const flowError =
      input.error === null ? undefined : (keptError(input.runId, "flow") ?? reviveError(input.error));
    const ctx = new AttemptContext(input, flow, abort, flowError);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let entered = false;
    try {
      // No attempt starts before the run's past is durable; and the attempt may have been stopped
      // (cancel, fail-fast) meanwhile: then the step must not start at all. Its time limit counts
      // from when it starts, not from when it began waiting for the store. Without a store this
      // still yields once, so a cancel sent right after the run starts stops its first step in time.
      await untilDurable(input.runId);
      if (abort.aborted) throw new AttemptNotStarted(abort.reason);
      // A run being handed back starts nothing more: its owner stops it at this boundary, and this
      // attempt, recorded as running, starts afresh wherever the run continues.
      if (!enterStep(input.runId)) return new Promise<never>(() => undefined);
      entered = true;
      const work = callStep(run, ctx);
      let timedOut: StepTimeoutError | undefined;
      const value = await (policy.timeoutMs === undefined
        ? work
        : Promise.race([
            work,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                timedOut = new StepTimeoutError(flow, input.step, policy.timeoutMs ?? 0);
                reject(timedOut);
                abort.abort(timedOut);
              }, policy.timeoutMs);
            }),
          ]));
      // Work that settles because its signal aborted must not turn a timeout into a success.
      if (timedOut) throw timedOut;
      const output =
        input.kind === "step" && value !== undefined ? toFrozenJson(value, "the value it returned", flow, input.step) : undefined;
      return { output, writes: ctx.writes };
    } catch (thrown) {
      if (thrown instanceof AttemptNotStarted) throw thrown;
      const what = input.kind === "step" ? `Step "${input.step}"` : `Compensation of "${input.step}"`;
      const error = toError(thrown, `${what} of flow "${flow}"`);
      keepError(input.runId, `${input.kind}:${input.step}`, error);
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (entered) leaveStep(input.runId);
    }
  });
}

/** Calls a step function; a synchronous throw becomes a rejection like an async one. */
function callStep(run: (ctx: never) => unknown, ctx: unknown): Promise<unknown> {
  try {
    return Promise.resolve(run(ctx as never));
  } catch (error) {
    return Promise.reject(error);
  }
}
