import type { Clock } from "../clock";

/** Per-key token buckets: `rate` tokens per second, holding at most `burst`. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #limits: () => { rate: number; burst: number };
  readonly #clock: Pick<Clock, "now">;

  constructor(limits: () => { rate: number; burst: number }, clock: Pick<Clock, "now">) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Takes one token for `key`; false when the bucket is empty. */
  allow(key: string, now = this.#clock.now()): boolean {
    const { rate, burst } = this.#limits();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }
}
