/**
 * The authority's patch window: the changes of one author within `patchRate` ms go out as one patch, from the
 * version before the first to the version after the last (`patchRate` 0: each change at once).
 */
import type { TimerHandle } from "../clock";
import { diff } from "./diff";
import type { Held } from "./held";
import type { Json } from "./json";

interface Window {
  base: Json;
  from: number;
  by: string;
  timer: TimerHandle;
}

export class PatchWindow {
  readonly #held: Held;
  #open: Window | null = null;

  constructor(held: Held) {
    this.#held = held;
  }

  /** A change by `by` from (`previous`, `from`) to the value held now: opens the window or joins it. */
  add(previous: Json, from: number, by: string): void {
    if (!this.#open) this.#open = { base: previous, from, by, timer: null };
    if (this.#held.config.patchRate === 0) return this.flush();
    this.#open.timer ??= this.#held.host.clock.setTimeout(() => this.flush(), this.#held.config.patchRate);
  }

  /** Closes the window first when another author's change comes: each patch names the one author of its changes. */
  closeForAuthor(by: string): void {
    if (this.#open && this.#open.by !== by) this.flush();
  }

  /** Sends the changes of the current window as one patch. */
  flush(): void {
    const w = this.#open;
    if (!w) return;
    this.#open = null;
    const held = this.#held;
    if (w.timer !== null) held.host.clock.clearTimeout(w.timer);
    if (!held.authority || held.epoch === null) return;
    held.host.sendPatch({
      ...held.ref,
      e: held.epoch,
      f: w.from,
      v: held.version,
      by: w.by,
      o: diff(w.base, held.value, "index"),
    });
  }

  /** Drops the window unsent (the state is going away). */
  stop(): void {
    if (this.#open) this.#held.host.clock.clearTimeout(this.#open.timer);
    this.#open = null;
  }
}
