/** Named one-shot timers on an injected clock: setting a name again replaces its timer. */
import type { Clock, TimerHandle } from "../clock";

export class NamedTimers<Name extends string> {
  readonly #clock: Clock;
  readonly #handles = new Map<Name, TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  set(name: Name, ms: number, fn: () => void): void {
    this.clear(name);
    this.#handles.set(
      name,
      this.#clock.setTimeout(() => {
        this.#handles.delete(name);
        fn();
      }, ms),
    );
  }

  clear(...names: Name[]): void {
    for (const name of names) {
      const handle = this.#handles.get(name);
      if (handle === undefined) continue;
      this.#clock.clearTimeout(handle);
      this.#handles.delete(name);
    }
  }
}

/**
 * The reconnection policy's arithmetic: the delay before the next attempt after `failures` failures in a row,
 * and whether the bridge is offline by then (docs/BRIDGE.md, Reconnection).
 */
export function retryDelay(
  failures: number,
  limits: { maxReconnectionAttempts: number; initialReconnectionDelay: number; maxReconnectionDelay: number },
  backoff: (attempt: number, initial: number, max: number) => number,
): { delay: number; offline: boolean } {
  if (failures > limits.maxReconnectionAttempts) return { delay: limits.maxReconnectionDelay, offline: true };
  return {
    delay: backoff(failures - 1, limits.initialReconnectionDelay, limits.maxReconnectionDelay),
    offline: false,
  };
}
