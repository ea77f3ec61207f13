/**
 * Bounded waiting helpers shared by the harness. While an in-memory world is alive they wait on its virtual
 * clock (test/harness/virtual-time.ts) instead of the machine's: the same test then runs in virtual time.
 */
import { activeVirtualClock } from "./virtual-time";

export interface WaitOptions {
  /** Give up after this many ms (default 2000). */
  timeout?: number;
  /** Poll interval in ms (default 5). */
  interval?: number;
  /** Included in the timeout error. */
  message?: string;
}

/**
 * Resolve with the first truthy value of `predicate` (polled), or reject after `timeout` ms.
 * A predicate that throws is treated as "not yet".
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeout = 2000, interval = 5, message }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const virtual = activeVirtualClock();
  if (virtual) return virtual.until(predicate, { within: timeout, message });
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = message ?? predicate.toString().slice(0, 200);
      const err = new Error(`waitFor timed out after ${timeout} ms: ${why}`);
      if (lastError !== undefined) (err as Error & { cause?: unknown }).cause = lastError;
      throw err;
    }
    await sleep(interval);
  }
}

export function sleep(ms: number): Promise<void> {
  const virtual = activeVirtualClock();
  if (virtual) return virtual.advance(ms);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reject with a timeout error unless `promise` settles within `ms`; the timer never outlives the race. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what = "operation"): Promise<T> {
  const virtual = activeVirtualClock();
  if (virtual) {
    let outcome: { value: T } | { error: unknown } | undefined;
    promise.then(
      (value) => {
        outcome = { value };
      },
      (error: unknown) => {
        outcome = { error };
      },
    );
    const done = await virtual.until(() => outcome, { within: ms, message: `${what} timed out` });
    if ("error" in done) throw done.error;
    return done.value;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits a promise that must reject and returns what it rejected with (fails if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
