import type { Clock } from "../clock";
import type { DropReason } from "../metrics/counters";
import { Dedupe, type SeqWindow } from "./dedupe";
import type { Envelope } from "./envelope";
import { RateLimiter } from "./rate-limit";

/** Accepted clock skew while a peer's clock offset is still unknown. */
export const SKEW_TOLERANCE_MS = 15 * 60_000;

export interface EnvelopeLimits {
  maxMessageAge: number;
  rateLimit: number;
  rateBurst: number;
}

/**
 * The per-envelope receive checks that need memory of the past: duplicates (replays), age (corrected by
 * the sender's clock offset once known) and the per-sender rate limit.
 */
export class EnvelopeChecks {
  readonly #dedupe = new Dedupe();
  readonly #rate: RateLimiter;
  /** Per user: how far their clock runs ahead of ours (ms). */
  readonly offsets = new Map<string, number>();
  readonly #limits: () => EnvelopeLimits;
  readonly #clock: Pick<Clock, "now">;

  constructor(limits: () => EnvelopeLimits, clock: Pick<Clock, "now">) {
    this.#limits = limits;
    this.#clock = clock;
    this.#rate = new RateLimiter(limits, clock);
  }

  /** The duplicate window of one sender session: look it up once per frame. */
  window(senderId: string, session: string): SeqWindow {
    return this.#dedupe.stream(senderId, session);
  }

  /** Returns why the envelope must be dropped, or null to accept it. `now` is read once per frame. */
  check(
    env: Envelope,
    seen: SeqWindow,
    senderId: string,
    simulated: boolean,
    now: number,
  ): DropReason | null {
    if (seen.seen(env.q)) return "duplicate";
    if (this.isExpired(env.a, senderId, now)) return "expired";
    if (!simulated && !this.#rate.allow(senderId, now)) return "rate-limited";
    return null;
  }

  isExpired(sentAt: number, senderId: string, now = this.#clock.now()): boolean {
    const offset = this.offsets.get(senderId);
    const age = now - (sentAt - (offset ?? 0));
    const limit = this.#limits().maxMessageAge + (offset === undefined ? SKEW_TOLERANCE_MS : 0);
    return age > limit || age < -limit;
  }

  /** One-way latency of a message sent at `sentAt` by `senderId`, offset-corrected when known. */
  latency(sentAt: number, senderId: string, now = this.#clock.now()): number {
    return Math.max(0, now - (sentAt - (this.offsets.get(senderId) ?? 0)));
  }
}
