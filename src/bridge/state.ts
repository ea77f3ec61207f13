/** A value with listeners told of each change; a listener that throws is logged and never stops the others. */
import type { Logger } from "../log";

export class StateCell<S> {
  #value: S;
  readonly #listeners = new Set<(value: S) => void>();
  readonly #log: Logger;

  constructor(initial: S, log: Logger) {
    this.#value = initial;
    this.#log = log;
  }

  get value(): S {
    return this.#value;
  }

  set(value: S): void {
    if (this.#value === value) return;
    this.#value = value;
    for (const fn of [...this.#listeners]) {
      try {
        fn(value);
      } catch (e) {
        this.#log.error("bridge: a state listener threw", e);
      }
    }
  }

  listen(fn: (value: S) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  clear(): void {
    this.#listeners.clear();
  }
}
