/** A value that survives `JSON.stringify` / `JSON.parse` unchanged: what snapshots may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Explains why `value` would not survive a JSON round trip, or returns `undefined` when it would.
 * Object properties that are `undefined` are allowed (JSON drops them, as an optional property).
 */
export function whyNotJson(value: unknown, path = "value"): string | undefined {
  return check(value, path, []);
}

/** Whether a value is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How deep JSON may nest: deeper values are refused with a clear message instead of overflowing the stack. */
export const MAX_JSON_DEPTH = 512;

function check(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `${path} is ${String(value)}, which JSON turns into null`;
    case "undefined":
      return `${path} is undefined, which JSON drops`;
    case "function":
      return `${path} is a function`;
    case "symbol":
      return `${path} is a symbol`;
    case "bigint":
      return `${path} is a BigInt (${String(value)}n); store it as a string`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return `${path} is circular (it contains itself)`;
  if (ancestors.length >= MAX_JSON_DEPTH) return `${path.slice(0, 60)}… is nested more than ${MAX_JSON_DEPTH} levels deep`;
  if (Array.isArray(object)) {
    ancestors.push(object);
    for (let index = 0; index < object.length; index++) {
      const reason = check(object[index], `${path}[${index}]`, ancestors);
      if (reason) return reason;
    }
    ancestors.pop();
    return undefined;
  }
  const proto = Object.getPrototypeOf(object) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    if (object instanceof Date) return `${path} is a Date; store date.toISOString() instead`;
    const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? "non-plain object";
    return `${path} is a ${kind}; only plain objects, arrays, strings, finite numbers, booleans and null survive JSON`;
  }
  ancestors.push(object);
  for (const [key, child] of Object.entries(object)) {
    if (child === undefined) continue;
    const reason = check(child, `${path}.${key}`, ancestors);
    if (reason) return reason;
  }
  ancestors.pop();
  return undefined;
}
