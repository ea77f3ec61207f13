/**
 * A replica asking the authority for its value (a want, `$sh.w`) while it is behind: no value yet, a patch
 * that does not continue what it holds, a reconnect. At once, then after 1, 2, 4... up to 16 s while nothing
 * comes; a patch or snapshot that fits ends it.
 */
import type { TimerHandle } from "../clock";
import type { Held } from "./held";
import type { WantMessage } from "./wire";

/** A replica that is behind asks the authority again after this long, doubling up to 16 times as long. */
export const RESYNC_EVERY_MS = 1000;

export class Resync {
  readonly #held: Held;
  #behind = false;
  #wantAt = Number.NEGATIVE_INFINITY;
  #wants = 0;
  #timer: TimerHandle | null = null;

  constructor(held: Held) {
    this.#held = held;
  }

  get behind(): boolean {
    return this.#behind;
  }

  /** This client may have missed the authority's value: asks for it until it comes. */
  ask(): void {
    this.#behind = true;
    this.#pump();
  }

  /** A patch or snapshot brought this client up to the authority's value. */
  caughtUp(): void {
    this.#behind = false;
    this.#wants = 0;
    this.stop();
  }

  /** This client became the authority: there is nobody to ask. */
  becameAuthority(): void {
    this.#behind = false;
    this.stop();
  }

  /** This client's link came back: it may have missed patches; asks at once. */
  reconnected(): void {
    this.#behind = true;
    this.#wantAt = Number.NEGATIVE_INFINITY;
    this.stop();
    this.#pump();
  }

  /** Cancels the next ask. */
  stop(): void {
    if (this.#timer !== null) this.#held.host.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Sends a want while behind: at once, then after 1, 2, 4... up to 16 s while nothing comes. */
  #pump(): void {
    const held = this.#held;
    if (!this.#behind || held.authority || held.disposed || this.#timer !== null) return;
    const { clock } = held.host;
    const gap = RESYNC_EVERY_MS * 2 ** Math.min(Math.max(0, this.#wants - 1), 4);
    const wait = this.#wantAt + gap - clock.now();
    const again = (ms: number) => {
      this.#timer = clock.setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, ms);
    };
    if (wait > 0) return again(wait);
    const to = held.host.authority();
    // Without an authority there is nobody to ask; a new one asks every client at its handover.
    if (to === null || to === held.host.me) return;
    const want: WantMessage = held.synced
      ? { ...held.ref, e: held.epoch, v: held.version }
      : { ...held.ref, e: null, v: 0 };
    held.host.sendWant(want, to);
    this.#wantAt = clock.now();
    this.#wants++;
    again(RESYNC_EVERY_MS * 2 ** Math.min(this.#wants - 1, 4));
  }
}
