/** The context card: an Orchestrix run's input, data, outputs and error, or any other actor's context as JSON. */
import { h } from "./dom.js";

/** Draws a snapshot's context into `element`. */
export function renderContext(element: HTMLElement, context: unknown): void {
  const json = (value: unknown) => h("pre", { class: "json", text: JSON.stringify(value, null, 2) ?? "undefined" });
  if (isRecord(context) && "input" in context && "outputs" in context) {
    element.append(h("h4", { text: "input" }), json(context.input));
    element.append(h("h4", { text: "data (ctx.set)" }), json(context.data));
    element.append(h("h4", { text: "outputs" }), json(context.outputs));
    if (context.error) element.append(h("h4", { text: "error" }), errorText(context.error));
    element.append(h("details", null, [h("summary", { text: "full context" }), json(context)]));
  } else {
    element.append(json(context === undefined ? null : context));
  }
}

/** An error record as people read it: "Name: message", then its stack as lines of text, then its other fields. */
function errorText(error: unknown): HTMLElement {
  if (!isRecord(error)) return h("pre", { class: "json err-text", text: String(error) });
  const name = typeof error.name === "string" ? error.name : "";
  const message = typeof error.message === "string" ? error.message : "";
  const stack = typeof error.stack === "string" ? error.stack : "";
  const head = (name && name !== "Error" ? `${name}: ` : "") + message;
  const rest = Object.keys(error).filter((key) => key !== "name" && key !== "message" && key !== "stack" && error[key] != null);
  const extra = rest.map((key) => `\n${key}: ${JSON.stringify(error[key])}`).join("");
  // A stack starts with "Name: message" already.
  const text = stack && message && stack.includes(message) ? stack : head + (stack ? `\n${stack}` : "");
  return h("pre", { class: "json err-text", text: text + extra });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
