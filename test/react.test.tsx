// @vitest-environment jsdom
import { memo, StrictMode, useState } from "react";
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { create, NonRetryableError, type RunView } from "orchestrix";
import { useFlow, useFlowRun, useFlowSelector, type FlowView, type ViewSource } from "orchestrix/react";

afterEach(cleanup);

/** A promise the test opens when it wants a step to finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const line = (view: RunView) => view.steps.map((step) => `${step.name}:${step.status}:${step.attempts}`).join(" ");

/** Shows a view as text the tests read, and keeps the last one for assertions on its fields. */
function Show({ view }: { view: RunView }) {
  return (
    <div>
      <p data-testid="status">{view.status}</p>
      <p data-testid="steps">{line(view)}</p>
      <p data-testid="current">{view.currentSteps.join(",")}</p>
    </div>
  );
}

const text = (id: string) => screen.getByTestId(id).textContent;

function Checkout<TInput>({ flow, input, seen }: { flow: Parameters<typeof useFlow<TInput, {}>>[0]; input: TInput; seen?: FlowView<TInput>[] }) {
  const checkout = useFlow(flow, { input });
  seen?.push(checkout);
  return (
    <div>
      <button onClick={() => checkout.start()}>pay</button>
      <button onClick={() => checkout.cancel("changed my mind")}>cancel</button>
      <Show view={checkout} />
    </div>
  );
}

describe("useFlow", () => {
  it("is idle before start, then shows each step running and completed", async () => {
    const paid = gate();
    const flow = create<{ amount: number }>("react-success")
      .step("reserve", async () => ({ ids: ["r1"] }))
      .step("pay", async (ctx) => {
        await paid.opened;
        return { charged: ctx.input.amount };
      });
    const seen: FlowView<{ amount: number }>[] = [];
    render(<Checkout flow={flow} input={{ amount: 12 }} seen={seen} />);
    expect(text("status")).toBe("idle");
    expect(text("steps")).toBe("reserve:pending:0 pay:pending:0");

    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("steps")).toBe("reserve:completed:1 pay:running:1"));
    expect(text("status")).toBe("running");
    expect(text("current")).toBe("pay");

    await act(async () => paid.open());
    await waitFor(() => expect(text("status")).toBe("completed"));
    expect(text("steps")).toBe("reserve:completed:1 pay:completed:1");
    const last = seen.at(-1)!;
    expect(last.outputs).toEqual({ reserve: { ids: ["r1"] }, pay: { charged: 12 } });
    expect(last.result?.status).toBe("completed");
    expect(last.error).toBeNull();
  });

  it("shows a step retrying with its attempt budget, then completing", async () => {
    let calls = 0;
    const flow = create<{}>("react-retry").step(
      "pay",
      async () => {
        if (++calls === 1) throw new Error("gateway timed out");
        return { ok: true };
      },
      { retries: 2, retryDelayMs: 150 },
    );
    const seen: FlowView<{}>[] = [];
    render(<Checkout flow={flow} input={{}} seen={seen} />);
    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("steps")).toBe("pay:retrying:1"));
    const retrying = seen.at(-1)!.steps[0]!;
    expect(retrying.maxAttempts).toBe(3);
    expect(retrying.error?.message).toBe("gateway timed out");
    await waitFor(() => expect(text("status")).toBe("completed"));
    expect(text("steps")).toBe("pay:completed:2");
    expect(calls).toBe(2);
  });

  it("shows the completed steps compensated when a later step fails", async () => {
    const released: string[] = [];
    const flow = create<{}>("react-compensate")
      .step("reserve", async () => ({ id: "r1" }), { compensate: async () => void released.push("r1") })
      .step("pay", async () => {
        throw new NonRetryableError("card declined");
      })
      .step("ship", async () => ({}));
    const seen: FlowView<{}>[] = [];
    render(<Checkout flow={flow} input={{}} seen={seen} />);
    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("status")).toBe("failed"));
    expect(text("steps")).toBe("reserve:compensated:1 pay:failed:1 ship:skipped:0");
    expect(seen.at(-1)!.error?.message).toBe("card declined");
    expect(released).toEqual(["r1"]);
  });

  it("cancels the run: the step in flight is aborted and the completed ones undone", async () => {
    const released: string[] = [];
    const flow = create<{}>("react-cancel")
      .step("reserve", async () => ({ id: "r1" }), { compensate: async () => void released.push("r1") })
      .step("pay", (ctx) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted")))));
    render(<Checkout flow={flow} input={{}} />);
    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("current")).toBe("pay"));
    fireEvent.click(screen.getByText("cancel"));
    await waitFor(() => expect(text("status")).toBe("cancelled"));
    expect(text("steps")).toMatch(/^reserve:compensated:1 pay:(cancelled|failed):1$/);
    expect(released).toEqual(["r1"]);
  });

  it("runs each step exactly once under StrictMode", async () => {
    const calls = { reserve: 0, pay: 0, undo: 0 };
    const flow = create<{}>("react-strict")
      .step("reserve", async () => void calls.reserve++, { compensate: async () => void calls.undo++ })
      .step("pay", async () => void calls.pay++);
    render(
      <StrictMode>
        <Checkout flow={flow} input={{}} />
      </StrictMode>,
    );
    expect(text("status")).toBe("idle");
    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("status")).toBe("completed"));
    // Give a second, duplicate actor every chance to show itself.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual({ reserve: 1, pay: 1, undo: 0 });
  });

  it("rehydrates a persisted snapshot under StrictMode and finishes it, running only the step that was in flight again", async () => {
    const calls = { reserve: 0, pay: 0 };
    const firstPay = gate();
    const flow = create<{ amount: number }>("react-rehydrate")
      .step("reserve", async () => {
        calls.reserve++;
        return { id: "r1" };
      })
      .step("pay", async (ctx) => {
        if (++calls.pay === 1) await firstPay.opened;
        return { charged: ctx.input.amount };
      });
    const handle = flow.start({ amount: 5 });
    handle.result.catch(() => undefined);
    await waitFor(() => expect(handle.actor.getSnapshot().context.steps["pay"]?.status).toBe("running"));
    // What a store would keep: the snapshot as JSON text.
    const stored = JSON.parse(JSON.stringify(handle.actor.getPersistedSnapshot())) as unknown;
    handle.actor.stop();

    // Every run actor the hook creates reports itself here: StrictMode must not make a second one.
    const runActors = new Set<string>();
    const inspect = (event: InspectionEvent) => {
      if (event.type === "@xstate.actor" && event.actorRef.sessionId === event.rootId) runActors.add(event.rootId);
    };
    function Resumed() {
      const checkout = useFlow(flow, { snapshot: stored, inspect });
      return <Show view={checkout} />;
    }
    render(
      <StrictMode>
        <Resumed />
      </StrictMode>,
    );
    await waitFor(() => expect(text("status")).toBe("completed"));
    // The restored actor re-invokes the attempt that was in flight: the same attempt, run again once.
    expect(text("steps")).toBe("reserve:completed:1 pay:completed:1");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual({ reserve: 1, pay: 2 });
    expect(runActors.size).toBe(1);
    firstPay.open();
  });
});

describe("who owns the run", () => {
  it("useFlow owns it: unmounting the component stops its actor", async () => {
    const paid = gate();
    let shipCalls = 0;
    const flow = create<{}>("react-owned")
      .step("pay", async () => {
        await paid.opened;
        return {};
      })
      .step("ship", async () => void shipCalls++);
    const seen: FlowView<{}>[] = [];
    const { unmount } = render(<Checkout flow={flow} input={{}} seen={seen} />);
    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("current")).toBe("pay"));
    const actor = seen.at(-1)!.actor!;
    unmount();
    await waitFor(() => expect(actor.getSnapshot().status).toBe("stopped"));
    paid.open();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(shipCalls).toBe(0);
  });
});

describe("useFlowRun", () => {
  it("shows a run started outside React, and unmounting leaves the run going", async () => {
    const paid = gate();
    let payCalls = 0;
    const flow = create<{}>("react-outside")
      .step("reserve", async () => ({}))
      .step("pay", async () => {
        payCalls++;
        await paid.opened;
        return { ok: true };
      });
    const handle = flow.start({});
    function Watch() {
      const run = useFlowRun(handle.actor, flow);
      return <Show view={run} />;
    }
    const { unmount } = render(<Watch />);
    await waitFor(() => expect(text("steps")).toBe("reserve:completed:1 pay:running:1"));
    unmount();
    paid.open();
    const result = await handle.result;
    expect(result.status).toBe("completed");
    expect(payCalls).toBe(1);
  });
});

describe("useFlowSelector", () => {
  it("re-renders a component only when what it selects changes", async () => {
    const flow = create<{}>("react-select")
      .step("a", async () => ({}))
      .step("b", async () => ({}), { retries: 1 })
      .step("c", async () => ({}));
    let statusRenders = 0;
    const StatusOnly = memo(function StatusOnly({ source }: { source: ViewSource }) {
      const status = useFlowSelector(source, (view) => view.status);
      statusRenders++;
      return <p data-testid="selected">{status}</p>;
    });
    let parentRenders = 0;
    function Parent() {
      const checkout = useFlow(flow);
      const [, rerender] = useState(0);
      parentRenders++;
      return (
        <div>
          <button onClick={() => checkout.start({})}>pay</button>
          <button onClick={() => rerender((n) => n + 1)}>rerender</button>
          <p data-testid="status">{checkout.status}</p>
          <StatusOnly source={checkout.source} />
        </div>
      );
    }
    render(<Parent />);
    fireEvent.click(screen.getByText("pay"));
    await waitFor(() => expect(text("status")).toBe("completed"));
    expect(text("selected")).toBe("completed");
    // idle, the new run's "running", then "completed": the step transitions in between are not seen.
    expect(statusRenders).toBe(3);
    expect(parentRenders).toBeGreaterThan(statusRenders);
  });
});
