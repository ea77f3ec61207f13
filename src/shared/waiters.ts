/**
 * A replica's proposals waiting on the authority: for its value before a change can be computed (woken when
 * it arrives or the authority changes, or failed after the request timeout), and for the version the GM
 * answered to arrive here (resolved then, or after the request timeout: the GM did apply it).
 */
import { TimeoutError } from "../contract/errors";
import type { Held } from "./held";

export class Waiters {
  readonly #held: Held;
  #sync: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #versions: { v: number; resolve: () => void }[] = [];

  constructor(held: Held) {
    this.#held = held;
  }

  /** Resolves at the next {@link wakeSync}; rejects with a TimeoutError after the request timeout. */
  untilSynced(): Promise<void> {
    const { host } = this.#held;
    return new Promise<void>((resolve, reject) => {
      const timeout = host.requestTimeout();
      const waiter = {
        resolve: () => {
          host.clock.clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          host.clock.clearTimeout(timer);
          reject(e);
        },
      };
      const timer = host.clock.setTimeout(() => {
        this.#sync = this.#sync.filter((w) => w !== waiter);
        reject(new TimeoutError(`the GM's value did not arrive within ${timeout} ms`, this.#held.details()));
      }, timeout);
      this.#sync.push(waiter);
    });
  }

  wakeSync(): void {
    for (const w of this.#sync.splice(0)) w.resolve();
  }

  /** Resolves once this client holds version `v` (or after the request timeout: the GM did apply it). */
  untilVersion(v: number): Promise<void> {
    const held = this.#held;
    if (held.version >= v || held.disposed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = { v, resolve: () => {} };
      const timer = held.host.clock.setTimeout(() => {
        this.#versions = this.#versions.filter((w) => w !== waiter);
        resolve();
      }, held.host.requestTimeout());
      waiter.resolve = () => {
        held.host.clock.clearTimeout(timer);
        resolve();
      };
      this.#versions.push(waiter);
    });
  }

  /** Resolves the waiters for every version this client now holds. */
  settleVersions(): void {
    if (this.#versions.length === 0) return;
    const { version } = this.#held;
    const done = this.#versions.filter((w) => w.v <= version);
    this.#versions = this.#versions.filter((w) => w.v > version);
    for (const w of done) w.resolve();
  }

  /** The state is going away: waits for a value fail with `error`; waits for a version end. */
  end(error: Error): void {
    for (const w of this.#sync.splice(0)) w.reject(error);
    for (const w of this.#versions.splice(0)) w.resolve();
  }
}
