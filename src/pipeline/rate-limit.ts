import type { Clock } from "../clock";

/** The limits as the config names them: `rateLimit` tokens per second, a bucket holding at most `rateBurst`. */
export interface RateLimits {
  readonly rateLimit: number;
  readonly rateBurst: number;
}

/**
 * Per-key token buckets. `limits` is read at every call, so a new config applies at once; it hands back an
 * object it already holds (the config itself), since this runs once per received envelope.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #limits: () => RateLimits;
  readonly #clock: Pick<Clock, "now">;

  constructor(limits: () => RateLimits, clock: Pick<Clock, "now">) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /**
   * Takes `cost` tokens (default one) for `key`; false when the bucket holds fewer. A cost above the burst passes
   * once the bucket is full, leaving it in debt: something larger than a burst is slowed down, never barred.
   */
  allow(key: string, now = this.#clock.now(), cost = 1): boolean {
    const { rateLimit: rate, rateBurst: burst } = this.#limits();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens < (cost <= burst ? cost : burst)) return false;
    bucket.tokens -= cost;
    return true;
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }
}
