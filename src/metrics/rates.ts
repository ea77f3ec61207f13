/** Events per second over a sliding window of whole seconds, in a fixed ring of per-second buckets. */
export class RateWindow {
  readonly #buckets: Float64Array;
  readonly #stamps: Float64Array;

  readonly #now: () => number;

  constructor(
    now: () => number,
    readonly seconds = 10,
  ) {
    this.#now = now;
    this.#buckets = new Float64Array(seconds);
    this.#stamps = new Float64Array(seconds).fill(-1);
  }

  add(count = 1, now = this.#now()): void {
    const second = Math.floor(now / 1000);
    const slot = second % this.seconds;
    if (this.#stamps[slot] !== second) {
      this.#stamps[slot] = second;
      this.#buckets[slot] = 0;
    }
    this.#buckets[slot] = (this.#buckets[slot] ?? 0) + count;
  }

  /** Average per second over the last `seconds` whole seconds, the current one included. */
  perSecond(): number {
    const second = Math.floor(this.#now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.seconds; i++) {
      const stamp = this.#stamps[i] ?? -1;
      if (stamp > second - this.seconds && stamp <= second) sum += this.#buckets[i] ?? 0;
    }
    return sum / this.seconds;
  }
}
