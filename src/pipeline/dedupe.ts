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
      // Slots between the old and new maximum now stand for new numbers: clear them.
      if (seq - this.#max >= w) this.#bits.fill(0);
      else for (let s = this.#max + 1; s < seq; s++) this.#bits[s % w] = 0;
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

/** One SeqWindow per sender session, the least recently active evicted beyond `maxSessions`. */
export class Dedupe {
  readonly #sessions = new Map<string, SeqWindow>();
  readonly #window: number;
  readonly #maxSessions: number;

  constructor(window = 8192, maxSessions = 1024) {
    this.#window = window;
    this.#maxSessions = maxSessions;
  }

  /** The window of one sender session (look it up once per frame, then call `seen` per envelope). */
  stream(key: string): SeqWindow {
    let entry = this.#sessions.get(key);
    if (entry) {
      // Keep recently active sessions at the end, so eviction takes the quiet ones.
      this.#sessions.delete(key);
    } else {
      if (this.#sessions.size >= this.#maxSessions) {
        const oldest = this.#sessions.keys().next().value;
        if (oldest !== undefined) this.#sessions.delete(oldest);
      }
      entry = new SeqWindow(this.#window);
    }
    this.#sessions.set(key, entry);
    return entry;
  }

  /** Records the pair; returns true when it was already seen (or is too old to tell). */
  isDuplicate(key: string, seq: number): boolean {
    return this.stream(key).seen(seq);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }
}
