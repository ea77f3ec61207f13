import { PerUserSessions } from "./per-user";

/**
 * Which sequence numbers of one sender session were seen, in a fixed ring of bits: O(1) per message and no
 * allocation. A number at or below `max - window` counts as seen: a replay, not a new message.
 */
export class SeqWindow {
  #max = 0;
  readonly #bits: Uint8Array;
  readonly #window: number;

  constructor(window: number) {
    this.#window = window;
    this.#bits = new Uint8Array(window);
  }

  /** Slots in the ring: the memory this window holds, fixed at construction whatever the traffic. */
  get slots(): number {
    return this.#bits.length;
  }

  /** Records `seq`; returns true when it was already seen (or is too old to tell). */
  seen(seq: number): boolean {
    const w = this.#window;
    if (seq <= this.#max - w) return true;
    if (seq > this.#max) {
      // Slots between the old and new maximum now stand for new numbers: clear them, natively (a peer picks
      // the gap, so a loop here would let one envelope cost thousands of steps).
      const gap = seq - this.#max - 1;
      if (gap >= w) this.#bits.fill(0);
      else if (gap > 0) {
        const start = (this.#max + 1) % w;
        const end = start + gap;
        this.#bits.fill(0, start, Math.min(end, w));
        if (end > w) this.#bits.fill(0, 0, end - w);
      }
      this.#max = seq;
      this.#bits[seq % w] = 1;
      return false;
    }
    const slot = seq % w;
    if (this.#bits[slot] === 1) return true;
    this.#bits[slot] = 1;
    return false;
  }
}

/** Sender sessions remembered per user (a reload starts a new one; older ones are rarely needed). */
export const SESSIONS_PER_USER = 4;

/**
 * One SeqWindow per (user, session). A user keeps at most `sessionsPerUser` windows, least recently active
 * forgotten first; invented sessions never push out another user's.
 */
export class Dedupe {
  readonly #sessions: PerUserSessions<SeqWindow>;

  constructor(window = 8192, sessionsPerUser = SESSIONS_PER_USER) {
    this.#sessions = new PerUserSessions(sessionsPerUser, () => new SeqWindow(window));
  }

  /** The window of one sender session (look it up once per frame, then call `seen` per envelope). */
  stream(user: string, session: string): SeqWindow {
    return this.#sessions.get(user, session);
  }

  /** Records the number; returns true when it was already seen (or is too old to tell). */
  isDuplicate(user: string, session: string, seq: number): boolean {
    return this.stream(user, session).seen(seq);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }
}
