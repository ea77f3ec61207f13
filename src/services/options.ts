import { ValidationError } from "../contract/errors";

/** The longest timeout a caller may ask for (one hour). */
export const MAX_TIMEOUT_MS = 3_600_000;

/** A request or reliable-emit timeout: `fallback` when absent; a ValidationError naming the module otherwise. */
export function checkTimeout(timeout: unknown, fallback: number, moduleId: string, event: string): number {
  if (timeout === undefined) return fallback;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MS) {
    throw new ValidationError(`timeout must be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`, {
      moduleId,
      event,
    });
  }
  return timeout;
}

/** Refuses option keys nobody reads (a typo like `target` for `to` would otherwise pass silently). */
export function checkKeys(
  opts: object | undefined,
  known: readonly string[],
  what: string,
  moduleId: string,
  event: string,
): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== "object")
    throw new ValidationError(`${what} options must be an object`, { moduleId, event });
  // for…in allocates nothing (Object.keys would build an array for every message).
  for (const key in opts) {
    if (Object.hasOwn(opts, key) && !known.includes(key)) {
      throw new ValidationError(`unknown ${what} option "${key}" (known: ${known.join(", ")})`, {
        moduleId,
        event,
      });
    }
  }
}

export const EMIT_KEYS = ["to", "priority", "volatile", "coalesce", "reliable", "timeout"] as const;
export const REQUEST_KEYS = ["to", "timeout"] as const;
export const HANDLER_KEYS = ["permission", "schema"] as const;
