/**
 * Deep freezing, deep equality and the nesting limit of JSON values: all that `channel.shared()`'s option checks
 * need of the shared values' helpers, so the stand-in every client loads at start carries nothing more (copies:
 * json.ts).
 */
import { MAX_PAYLOAD_DEPTH } from "../pipeline/snapshot";

/**
 * Deepest nesting a shared value (or a path into one) may have, in containers: every message carrying it must
 * stay within a payload's limit, and the deepest wraps a part of it three levels down (a patch: the message
 * object, its list of operations, one operation); a snapshot or a saved value wraps it once.
 */
export const MAX_DEPTH = MAX_PAYLOAD_DEPTH - 3;

/** Freezes `value` and everything in it; stops at parts already frozen (they are frozen all the way down). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/** Deep equality of two JSON values; shared (identical) parts are not walked. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Whether `value` nests at most `levels` objects and arrays deep (a scalar nests 0); the walk stops as soon as it
 * finds deeper nesting, so it never goes more than `levels` down.
 */
export function nestsWithin(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (levels <= 0) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!nestsWithin(item, levels - 1)) return false;
    return true;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) if (!nestsWithin(obj[key], levels - 1)) return false;
  return true;
}
