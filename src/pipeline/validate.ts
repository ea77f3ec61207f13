import { ValidationError } from "../contract/errors";
import { MAX_NAME_LENGTH } from "./envelope";

/** Event names: 1..64 characters; names beginning with `$` are reserved for Socket Manager itself. */
export function assertEventName(
  event: unknown,
  moduleId: string,
  allowReserved = false,
): asserts event is string {
  if (typeof event !== "string" || event.length === 0) {
    throw new ValidationError(`event name must be a non-empty string (got ${describe(event)})`, { moduleId });
  }
  if (event.length > MAX_NAME_LENGTH) {
    throw new ValidationError(
      `event name "${event.slice(0, 20)}…" is longer than ${MAX_NAME_LENGTH} characters`,
      {
        moduleId,
      },
    );
  }
  if (event.startsWith("$") && !allowReserved) {
    throw new ValidationError(`event names beginning with "$" are reserved`, { moduleId, event });
  }
}

export function assertModuleId(moduleId: unknown): asserts moduleId is string {
  if (typeof moduleId !== "string" || moduleId.length === 0 || moduleId.length > MAX_NAME_LENGTH) {
    throw new ValidationError(
      `a channel needs a module id of 1 to ${MAX_NAME_LENGTH} characters (got ${describe(moduleId)})`,
    );
  }
}

/**
 * The first part of `value` that JSON cannot carry, described with its path from `root` (`data.a[2] is a
 * function`), or nesting deeper than `maxDepth`; null when there is none. Only once a lean walk has failed: it is
 * the slow, careful one.
 */
export function describeUnsafe(value: unknown, maxDepth: number, root = "data"): string | null {
  // Depth is counted in containers: the payload itself is at depth 1 when it is an object or array.
  return findUnsafe(value, root, new Set(), maxDepth);
}

function findUnsafe(value: unknown, path: string, seen: Set<object>, depthLeft: number): string | null {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return null;
    case "number":
      return Number.isFinite(value) ? null : `${path} is ${value} (not a finite number)`;
    case "bigint":
      return `${path} is a BigInt; send it as a string`;
    case "function":
      return `${path} is a function`;
    case "symbol":
      return `${path} is a symbol`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return `${path} is a circular reference`;
  if (depthLeft <= 0) return `${path} is nested too deeply`;
  if (Array.isArray(obj)) {
    seen.add(obj);
    for (let i = 0; i < obj.length; i++) {
      const p = findUnsafe(obj[i], `${path}[${i}]`, seen, depthLeft - 1);
      if (p) return p;
    }
    seen.delete(obj);
    return null;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const name = (proto?.constructor as { name?: string } | undefined)?.name || "unknown class";
    return `${path} is an instance of ${name}; send a plain object`;
  }
  seen.add(obj);
  for (const key in obj) {
    const p = findUnsafe((obj as Record<string, unknown>)[key], `${path}.${key}`, seen, depthLeft - 1);
    if (p) return p;
  }
  seen.delete(obj);
  return null;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  return v === null ? "null" : typeof v;
}
