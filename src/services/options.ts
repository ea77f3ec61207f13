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
