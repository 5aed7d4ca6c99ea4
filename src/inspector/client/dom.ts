/** Building and finding the page's elements. Text from runs only ever goes in through `textContent`. */

/** Attributes of {@link h}: `text` sets the text, `class` the class, `on…` a listener, the rest attributes. */
export interface Props {
  text?: string | number | null;
  class?: string;
  onclick?: (event: MouseEvent) => void;
  [attribute: string]: string | number | boolean | null | undefined | ((event: MouseEvent) => void);
}

/** A child of {@link h}: an element, text, or nothing (skipped). */
export type Child = Node | string | null | undefined | false;

/** Creates an element with its props and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") element.textContent = String(value);
    else if (key === "class") element.className = String(value);
    else if (typeof value === "function") element.addEventListener(key.slice(2), value as EventListener);
    else element.setAttribute(key, String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Empties an element, and returns it. */
export function clear<E extends Element>(element: E): E {
  element.replaceChildren();
  return element;
}

/** The page's element with this id, checked to be of the expected kind. */
export function byId<E extends HTMLElement = HTMLElement>(id: string, kind?: new () => E): E {
  const element = document.getElementById(id);
  if (!element || (kind && !(element instanceof kind))) throw new Error(`The inspector page has no ${kind?.name ?? "element"} #${id}`);
  return element as E;
}
