import { useState } from "react";
import type { RunView, StepView } from "orchestrix";
import { useFlow, useRemoteRun } from "orchestrix/react";
import { createCheckoutFlow, memoryCheckoutServices, type CheckoutInput } from "../../checkout/flow.js";

type Mode = "server" | "browser";

const CART = [
  { sku: "LAPTOP-01", name: "Laptop", qty: 1, price: 1200 },
  { sku: "MOUSE-07", name: "Mouse", qty: 2, price: 25 },
];
const TOTAL = CART.reduce((sum, line) => sum + line.qty * line.price, 0);

// The browser mode's services keep their effects in memory; the page lists them.
const effects: string[] = [];
const browserFlow = createCheckoutFlow(memoryCheckoutServices((line) => effects.push(line)));

interface Switches {
  failPayment: boolean;
  slow: boolean;
}

function orderOf(orderId: string, switches: Switches): CheckoutInput {
  return {
    orderId,
    userId: "user_42",
    items: CART.map(({ sku, qty }) => ({ sku, qty })),
    amount: TOTAL,
    simulate: { failPayment: switches.failPayment, slowMs: switches.slow ? 1500 : 250 },
  };
}

const newOrderId = () => `ord-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** The page: a cart, the switches, and the checkout in the chosen mode. */
export function App() {
  const [mode, setMode] = useState<Mode>(() => (new URLSearchParams(location.search).get("mode") === "browser" ? "browser" : "server"));
  const [switches, setSwitches] = useState<Switches>({ failPayment: false, slow: false });
  return (
    <main>
      <h1>Checkout</h1>
      <p>A payment saga run by Orchestrix: reserve the stock, charge the card, confirm the order, email the receipt.</p>
      <section className="panel">
        <table className="cart">
          <tbody>
            {CART.map((line) => (
              <tr key={line.sku}>
                <td>{line.name}</td>
                <td>× {line.qty}</td>
                <td>${line.qty * line.price}</td>
              </tr>
            ))}
            <tr className="total">
              <td>Total</td>
              <td />
              <td>${TOTAL}</td>
            </tr>
          </tbody>
        </table>
      </section>
      <section className="panel options">
        <label>
          <input type="radio" name="mode" checked={mode === "server"} onChange={() => setMode("server")} /> Run the saga on the server (
          <code>useRemoteRun</code>)
        </label>
        <label>
          <input type="radio" name="mode" checked={mode === "browser"} onChange={() => setMode("browser")} /> Run the saga in this browser (
          <code>useFlow</code>)
        </label>
        <label>
          <input type="checkbox" checked={switches.failPayment} onChange={(e) => setSwitches({ ...switches, failPayment: e.target.checked })} /> Make
          the payment fail
        </label>
        <label>
          <input type="checkbox" checked={switches.slow} onChange={(e) => setSwitches({ ...switches, slow: e.target.checked })} /> Make every step
          slow
        </label>
      </section>
      {mode === "server" ? <ServerCheckout switches={switches} /> : <BrowserCheckout switches={switches} />}
    </main>
  );
}

function BrowserCheckout({ switches }: { switches: Switches }) {
  const checkout = useFlow(browserFlow);
  const busy = checkout.status === "running";
  return (
    <Progress
      view={checkout}
      busy={busy}
      onPay={() => {
        const orderId = newOrderId();
        checkout.start(orderOf(orderId, switches), { runId: orderId });
      }}
      onCancel={() => checkout.cancel("cancelled by the customer")}
      effects={effects}
    />
  );
}

function ServerCheckout({ switches }: { switches: Switches }) {
  const [orderId, setOrderId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const run = useRemoteRun(orderId && `/orders/${orderId}/events`, orderId ? { cancelUrl: `/orders/${orderId}/cancel` } : {});
  const pay = async () => {
    setProblem(null);
    const id = newOrderId();
    const response = await fetch("/orders", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(orderOf(id, switches)) });
    if (response.ok) setOrderId(id);
    else setProblem(`The server refused the order (${response.status}): ${await response.text()}`);
  };
  const busy = orderId !== null && (run.status === "running" || run.status === "idle");
  return (
    <>
      {problem && <p className="error">{problem}</p>}
      {run.streamError && run.status === "running" && <p className="error">{run.streamError}</p>}
      <Progress view={run} busy={busy} onPay={() => void pay()} onCancel={() => run.cancel("cancelled by the customer")} />
    </>
  );
}

function Progress({ view, busy, onPay, onCancel, effects }: { view: RunView; busy: boolean; onPay: () => void; onCancel: () => void; effects?: string[] }) {
  return (
    <section className="panel">
      <button onClick={onPay} disabled={busy}>
        {view.status === "idle" ? `Pay $${TOTAL}` : "Pay again"}
      </button>
      {busy && (
        <button className="secondary" onClick={onCancel}>
          Cancel
        </button>
      )}
      {view.runId && (
        <>
          <h2>Order {view.runId}</h2>
          <ol className="steps">
            {view.steps.map((step) => (
              <StepRow key={step.name} step={step} />
            ))}
          </ol>
          <Outcome view={view} />
        </>
      )}
      {effects && effects.length > 0 && (
        <ul className="effects" data-testid="effects">
          {effects.slice(-8).map((line, index) => (
            <li key={index}>{line}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function StepRow({ step }: { step: StepView }) {
  const { text, tone } = label(step);
  return (
    <li data-step={step.name}>
      <span>
        {step.name}
        {step.error && step.status !== "completed" && <div className="error">{step.error.message}</div>}
      </span>
      <span className={`badge ${tone}`}>{text}</span>
    </li>
  );
}

/** How the page says where a step stands. */
function label(step: StepView): { text: string; tone: string } {
  const budget = step.maxAttempts ?? step.attempts;
  switch (step.status) {
    case "running":
      return { text: step.attempts > 1 ? `running, attempt ${step.attempts} of ${budget}` : "running", tone: "running" };
    case "retrying":
      return { text: `retrying ${step.attempts} of ${budget - 1}`, tone: "retrying" };
    case "completed":
      return { text: "done", tone: "done" };
    case "compensating":
      return { text: "undoing", tone: "undoing" };
    case "compensated":
      return { text: "undone", tone: "undone" };
    case "compensation_failed":
      return { text: "undo failed", tone: "undo-failed" };
    case "failed":
      return { text: `failed after ${step.attempts} attempt${step.attempts === 1 ? "" : "s"}`, tone: "failed" };
    default:
      return { text: step.status, tone: step.status };
  }
}

function Outcome({ view }: { view: RunView }) {
  const released = view.steps.some((step) => step.name === "reserve-stock" && step.status === "compensated");
  const text: Record<RunView["status"], string> = {
    idle: "Connecting…",
    running: "Working on it…",
    completed: "Paid. Your order is confirmed.",
    failed: `The payment failed (${view.error?.message ?? "unknown error"}).${released ? " The reserved stock was released." : ""}`,
    cancelled: `The order was cancelled.${released ? " The reserved stock was released." : ""}`,
    compensation_failed: "The order could not be undone completely: our team has been told.",
  };
  return (
    <p className={`outcome ${view.status}`} data-testid="outcome">
      {text[view.status]}
    </p>
  );
}
