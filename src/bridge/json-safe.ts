/**
 * The check that an event for the backend is JSON-safe before it is written (`src/bridge/events.ts`). Unlike a
 * message's payload it is not copied, and it is not bound by the payload depth limit: only what JSON would
 * silently mangle is refused.
 */
import { ValidationError } from "../contract/errors";
import { describeUnsafe } from "../pipeline/validate";

/**
 * Throws a ValidationError naming the first part of `value` that JSON would silently mangle: functions,
 * symbols, BigInt, non-finite numbers, cycles and class instances (Date, Map, Set, your own classes...).
 */
export function assertJsonSafe(value: unknown, moduleId: string, event: string): void {
  // The common case costs one lean walk; the walk that names the problem (paths, cycle set) runs only when the
  // lean one fails, or meets a nesting so deep that it may be a cycle.
  if (isJsonSafe(value, 0)) return;
  const problem = describeUnsafe(value, Number.POSITIVE_INFINITY);
  if (problem) throw new ValidationError(`payload is not JSON-safe: ${problem}`, { moduleId, event });
}

/** Deeper than this, the lean walk gives up and leaves the verdict to `describeUnsafe` (a cycle looks endless). */
const LEAN_DEPTH = 64;

function isJsonSafe(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > LEAN_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isJsonSafe(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (!isJsonSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}
