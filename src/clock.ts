/** Time and timers, injected so that tests and pipeline stages never depend on the real clock. */
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * Real work that simulated time must wait for (a chunk loading on first use): a simulated clock does not
   * move on until it settles, as no amount of real time would pass meanwhile otherwise. The real clock needs
   * nothing.
   */
  track?(work: Promise<unknown>): void;
}

/** The real clock; reads the globals at call time so fake timers installed later still apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
