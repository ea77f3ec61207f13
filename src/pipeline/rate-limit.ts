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
   * A cost of 0 asks only whether the bucket is out of debt.
   */
  allow(key: string, now = this.#clock.now(), cost = 1): boolean {
    const limits = this.#limits();
    const bucket = this.#refilled(key, now, limits);
    if (bucket.tokens < (cost <= limits.rateBurst ? cost : limits.rateBurst)) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Takes `cost` tokens for work already done, whatever the bucket holds: it may go into debt. */
  spend(key: string, cost: number, now = this.#clock.now()): void {
    this.#refilled(key, now, this.#limits()).tokens -= cost;
  }

  #refilled(key: string, now: number, limits: RateLimits): { tokens: number; at: number } {
    const { rateLimit: rate, rateBurst: burst } = limits;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
      bucket.at = now;
    }
    return bucket;
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }
}
