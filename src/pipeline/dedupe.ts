/**
 * Remembers which (session, sequence) pairs were seen, in bounded memory. A sequence number more than
 * `window` below the newest one seen from that session counts as seen: a replay, not a new message.
 */
export class Dedupe {
  private readonly sessions = new Map<string, { max: number; recent: Set<number> }>();

  constructor(
    private readonly window = 8192,
    private readonly maxSessions = 1024,
  ) {}

  /** Records the pair; returns true when it was already seen (or is too old to tell). */
  isDuplicate(session: string, seq: number): boolean {
    let entry = this.sessions.get(session);
    if (!entry) {
      if (this.sessions.size >= this.maxSessions) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
      entry = { max: 0, recent: new Set() };
      this.sessions.set(session, entry);
    } else {
      // Keep recently active sessions at the end, so eviction takes the quiet ones.
      this.sessions.delete(session);
      this.sessions.set(session, entry);
    }
    if (seq <= entry.max - this.window || entry.recent.has(seq)) return true;
    entry.recent.add(seq);
    if (seq > entry.max) entry.max = seq;
    if (entry.recent.size > this.window * 2) {
      const floor = entry.max - this.window;
      for (const s of entry.recent) if (s <= floor) entry.recent.delete(s);
    }
    return false;
  }
}
