/**
 * Saga invariants for flows with waits, sleeps and child flows (DESIGN §9), checked with fast-check.
 *
 * A generated flow has 1–6 elements: a step (succeeds or fails for good, maybe with an undo), a wait
 * for a signal, a short sleep, or a child flow of 1–3 such steps. Each wait gets a random signal
 * timing: sent as soon as the run starts (usually before the wait is reached), sent once the run
 * waits there, sent twice with one id and two payloads, or never sent (the wait times out and fails
 * the flow, or goes on with `undefined`). Runs use a memory store or none, at random.
 *
 * The oracle walks the plan: elements run in order until one fails; then the completed ones are
 * undone newest first, a completed child's steps newest first in its place. A wait's output is the
 * first payload sent with its id; no signal is taken twice; no step after the failure runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { create, memoryStore, type Flow, type FlowResult, type RunHandle, type RunStore } from "orchestrix";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

interface StepPlan {
  name: string;
  fails: boolean;
  undo: boolean;
  turns: number;
}

type Timing = "early" | "waiting" | "twice" | "timeout-fail" | "timeout-continue";

type ElementPlan =
  | { kind: "step"; step: StepPlan }
  | { kind: "wait"; name: string; timing: Timing }
  | { kind: "sleep"; name: string; ms: number }
  | { kind: "child"; name: string; steps: StepPlan[] };

interface Plan {
  elements: ElementPlan[];
  withStore: boolean;
}

const stepArb = fc.record({
  fails: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  undo: fc.boolean(),
  turns: fc.integer({ min: 0, max: 2 }),
});

const elementArb = fc.oneof(
  { arbitrary: stepArb.map((step) => ({ kind: "step" as const, step })), weight: 3 },
  {
    arbitrary: fc.constantFrom<Timing>("early", "waiting", "twice", "timeout-fail", "timeout-continue").map((timing) => ({ kind: "wait" as const, timing })),
    weight: 2,
  },
  { arbitrary: fc.integer({ min: 0, max: 5 }).map((ms) => ({ kind: "sleep" as const, ms })), weight: 1 },
  { arbitrary: fc.array(stepArb, { minLength: 1, maxLength: 3 }).map((steps) => ({ kind: "child" as const, steps })), weight: 1 },
);

const planArb: fc.Arbitrary<Plan> = fc
  .record({ elements: fc.array(elementArb, { minLength: 1, maxLength: 6 }), withStore: fc.boolean() })
  .map(({ elements, withStore }) => ({
    withStore,
    elements: elements.map((element, index): ElementPlan => {
      const name = `e${index + 1}`;
      if (element.kind === "step") return { kind: "step", step: { name, ...element.step } };
      if (element.kind === "child") return { kind: "child", name, steps: element.steps.map((step, s) => ({ name: `${name}c${s + 1}`, ...step })) };
      return { ...element, name };
    }),
  }));

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function stepFn(step: StepPlan, log: string[]) {
  return async () => {
    log.push(`run:${step.name}`);
    for (let turn = 0; turn < step.turns; turn++) await nextTurn();
    if (step.fails) throw new Error(`${step.name} fails`);
    return step.name;
  };
}

function stepOptions(step: StepPlan, log: string[]) {
  return step.undo ? { compensate: () => void log.push(`undo:${step.name}`) } : {};
}

type AnyFlow = Flow<unknown, Record<string, unknown>, Record<string, unknown>>;

function build(plan: Plan, log: string[]): AnyFlow {
  let flow = create("waiting-saga") as unknown as AnyFlow;
  for (const element of plan.elements) {
    if (element.kind === "step") flow = flow.step(element.step.name, stepFn(element.step, log), stepOptions(element.step, log)) as AnyFlow;
    else if (element.kind === "sleep") flow = flow.sleep(element.name, { ms: element.ms }) as AnyFlow;
    else if (element.kind === "wait") {
      const timeout = element.timing === "timeout-fail" || element.timing === "timeout-continue" ? { timeoutMs: 20 } : {};
      flow = flow.waitFor(element.name, { ...timeout, onTimeout: element.timing === "timeout-continue" ? "continue" : "fail" }) as AnyFlow;
    } else {
      const child = element.steps.reduce(
        (inner, step) => inner.step(step.name, stepFn(step, log), stepOptions(step, log)) as AnyFlow,
        create(`child-${element.name}`) as unknown as AnyFlow,
      );
      flow = flow.child(element.name, child, { input: () => null }) as AnyFlow;
    }
  }
  return flow;
}

/** What the oracle predicts. */
function expected(plan: Plan): { status: "completed" | "failed"; log: string[]; outputs: Record<string, unknown> } {
  const log: string[] = [];
  const outputs: Record<string, unknown> = {};
  const undos: string[][] = [];
  let failed = false;
  for (const element of plan.elements) {
    if (element.kind === "step") {
      log.push(`run:${element.step.name}`);
      if (element.step.fails) failed = true;
      else {
        outputs[element.step.name] = element.step.name;
        undos.push(element.step.undo ? [`undo:${element.step.name}`] : []);
      }
    } else if (element.kind === "wait") {
      if (element.timing === "timeout-fail") failed = true;
      else if (element.timing !== "timeout-continue") outputs[element.name] = { from: element.name, n: 1 };
    } else if (element.kind === "child") {
      const done: StepPlan[] = [];
      for (const step of element.steps) {
        log.push(`run:${step.name}`);
        if (step.fails) break;
        done.push(step);
      }
      const childUndos = done.filter((step) => step.undo).reverse().map((step) => `undo:${step.name}`);
      if (done.length < element.steps.length) {
        log.push(...childUndos);
        failed = true;
      } else {
        outputs[element.name] = Object.fromEntries(element.steps.map((step) => [step.name, step.name]));
        undos.push(childUndos);
      }
    }
    if (failed) break;
  }
  if (failed) log.push(...undos.reverse().flat());
  return { status: failed ? "failed" : "completed", log, outputs };
}

/** Sends each wait's signals as its timing says, while the run goes; errors of signals the run no longer needs are expected. */
async function sendSignals(plan: Plan, handle: RunHandle<Record<string, unknown>, Record<string, unknown>>, ended: () => boolean): Promise<void> {
  const waits = plan.elements.filter((element): element is Extract<ElementPlan, { kind: "wait" }> => element.kind === "wait");
  const send = (name: string, n: number, id: string) =>
    handle.signal(name, { from: name, n }, { signalId: id }).then(
      () => true,
      () => false,
    );
  const early = waits.filter((wait) => wait.timing === "early" || wait.timing === "twice");
  const sentEarly = new Set<string>();
  await Promise.all(early.map(async (wait) => (await send(wait.name, 1, `${wait.name}-1`)) && sentEarly.add(wait.name)));
  for (const wait of waits) {
    if (wait.timing === "timeout-fail" || wait.timing === "timeout-continue") continue;
    while (!ended() && handle.actor.getSnapshot().context.steps[wait.name]?.status === "pending") await new Promise((resolve) => setTimeout(resolve, 1));
    if (ended()) return;
    // An early signal is refused only when the store has not got the run yet: then it is sent now.
    if (wait.timing === "waiting" || !sentEarly.has(wait.name)) await send(wait.name, 1, `${wait.name}-1`);
    // The same id again, with another payload: recorded once, the first payload counts.
    if (wait.timing === "twice") await send(wait.name, 2, `${wait.name}-1`);
  }
}

async function runPlan(plan: Plan): Promise<{ result: FlowResult; log: string[]; store: RunStore | undefined }> {
  const log: string[] = [];
  const store = plan.withStore ? memoryStore() : undefined;
  const handle = build(plan, log).start(null, store ? { store } : {}) as RunHandle<Record<string, unknown>, Record<string, unknown>>;
  let ended = false;
  const result = handle.result.finally(() => (ended = true));
  await sendSignals(plan, handle, () => ended);
  return { result: await result, log, store };
}

describe("saga invariants with waits, sleeps and child flows", () => {
  it("runs elements in order, takes each signal once, and undoes completed work newest first", async () => {
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) => {
        const { result, log, store } = await runPlan(plan);
        const oracle = expected(plan);
        expect(result.status).toBe(oracle.status);
        expect(log).toEqual(oracle.log);
        for (const [name, value] of Object.entries(oracle.outputs)) expect(result.outputs[name]).toEqual(value);
        for (const element of plan.elements) {
          if (element.kind === "wait" && element.timing === "timeout-continue" && oracle.status === "completed") expect(result.outputs[element.name]).toBeUndefined();
        }
        // Every signal a wait took is marked taken in the store: none is left to be handed out again.
        if (store && oracle.status === "completed") expect(await store.signals(result.runId)).toEqual([]);
        await store?.close();
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
