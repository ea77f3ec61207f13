/**
 * Saving a persisted state (`persist`) on the authority: at most once per {@link PERSIST_EVERY_MS} after a
 * change, or at once when asked (a handover, losing the role, disposal).
 */
import type { TimerHandle } from "../clock";
import type { Held } from "./held";

/** The authority saves a persisted value at most this often. */
export const PERSIST_EVERY_MS = 1000;

export class Saver {
  readonly #held: Held;
  #timer: TimerHandle | null = null;

  constructor(held: Held) {
    this.#held = held;
  }

  /** A save is due (a change since the last one). */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /** A change happened: saves within {@link PERSIST_EVERY_MS} unless a save is already due. */
  schedule(): void {
    if (!this.#held.config.persist || this.#timer !== null) return;
    this.#timer = this.#held.host.clock.setTimeout(() => this.saveNow(), PERSIST_EVERY_MS);
  }

  saveNow(): void {
    const held = this.#held;
    if (this.#timer !== null) held.host.clock.clearTimeout(this.#timer);
    this.#timer = null;
    if (held.config.persist && held.authority) held.host.savePersisted(held.ref, held.version, held.value);
  }

  /** Forgets a due save without saving. */
  stop(): void {
    if (this.#timer !== null) this.#held.host.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
