/**
 * What players' proposals may cost the authority. Applying one copies every object and array on its paths (an
 * object of 50,000 keys takes about 60 ms to copy), so a player allowed to write could keep the GM busy with
 * small changes to a large object. Each applied proposal's copying and measuring (`PatchMeter` units, about a
 * microsecond each), and the time the state's own `write` function and schema took over it, are charged to its
 * sender and to everyone's total; a sender in debt is refused until it is paid back.
 */
import type { Clock } from "../clock";
import { RateLimiter, type RateLimits } from "../pipeline/rate-limit";

/** Per user: 100 ms of copying a second on average, 500 ms at once. */
export const PROPOSAL_WORK: RateLimits = Object.freeze({ rateLimit: 100_000, rateBurst: 500_000 });
/** All users together: 250 ms a second, 1 s at once. */
export const PROPOSAL_WORK_TOTAL: RateLimits = Object.freeze({ rateLimit: 250_000, rateBurst: 1_000_000 });

const EVERYONE = "";

export class ProposalWork {
  readonly #perUser: RateLimiter;
  readonly #total: RateLimiter;
  readonly #clock: Pick<Clock, "now">;

  constructor(clock: Pick<Clock, "now">, perUser = PROPOSAL_WORK, total = PROPOSAL_WORK_TOTAL) {
    this.#clock = clock;
    this.#perUser = new RateLimiter(() => perUser, clock);
    this.#total = new RateLimiter(() => total, clock);
  }

  /** Whether a proposal of `userId`'s may be applied now: neither its budget nor everyone's is in debt. */
  may(userId: string): boolean {
    return this.#perUser.allow(userId, undefined, 0) && this.#total.allow(EVERYONE, undefined, 0);
  }

  /** Charges what applying a proposal of `userId`'s cost. */
  spend(userId: string, work: number): void {
    this.#perUser.spend(userId, work);
    this.#total.spend(EVERYONE, work);
  }

  /**
   * Runs `check` (a module's own code over the whole value: its `write` function, the synchronous part of its
   * schema) and charges the time it took to `userId`, a unit a microsecond: whatever it costs, it is the
   * proposal's sender that makes the GM run it. Measured with the clock (whole milliseconds in Foundry: on
   * average that charges the time taken).
   */
  timed<T>(userId: string, check: () => T): T {
    const started = this.#clock.now();
    try {
      return check();
    } finally {
      this.spend(userId, Math.max(0, this.#clock.now() - started) * 1000);
    }
  }
}
