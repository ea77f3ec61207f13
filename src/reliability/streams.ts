/**
 * Reliable delivery. Each (sender session → recipient session) pair is an ordered stream: the sender numbers
 * every reliable message per recipient, the recipient runs handlers strictly in that order, exactly once, and
 * acknowledges what it holds; the sender retransmits what is unacknowledged.
 *
 * On the wire a reliable envelope carries `o: { [recipientUserId]: [recipientSession, n, floor] }`. `floor` is the
 * lowest number still pending for that recipient: everything below it was acknowledged or abandoned (timed
 * out), so the recipient may stop waiting for it. Without it, one abandoned message would hold back every
 * later one forever.
 */
export type StreamTag = [session: string, n: number, floor?: number];
export type StreamTags = Record<string, StreamTag>;

export function isStreamTags(value: unknown): value is StreamTags {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const tag of Object.values(value)) {
    if (!Array.isArray(tag) || (tag.length !== 2 && tag.length !== 3)) return false;
    const [session, n, floor] = tag as unknown[];
    if (typeof session !== "string" || typeof n !== "number" || !Number.isSafeInteger(n) || n < 1)
      return false;
    if (
      floor !== undefined &&
      (typeof floor !== "number" || !Number.isSafeInteger(floor) || floor < 1 || floor > n)
    ) {
      return false;
    }
  }
  return true;
}

/** An ack says: of the stream from `senderSession` to me (`recipientSession`), I hold these numbers. */
export type AckPayload = [senderSession: string, recipientSession: string, numbers: number[]];

export function isAckPayload(value: unknown): value is AckPayload {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    typeof value[0] === "string" &&
    typeof value[1] === "string" &&
    Array.isArray(value[2]) &&
    value[2].length <= 10_000 &&
    value[2].every((n) => typeof n === "number")
  );
}

interface OutgoingStream {
  session: string;
  next: number;
}

/** Sender side: numbering per recipient and the set of unacknowledged messages. */
export class ReliableStreams<T> {
  readonly #streams = new Map<string, OutgoingStream>();
  /** recipient → n → message */
  readonly #unacked = new Map<string, Map<number, T>>();

  /** Gives `message` the next number in each recipient's stream. */
  number(message: T, recipients: { userId: string; session: string }[]): StreamTags {
    const tags: StreamTags = {};
    for (const { userId, session } of recipients) {
      let stream = this.#streams.get(userId);
      if (!stream || stream.session !== session) {
        stream = { session, next: 1 };
        this.#streams.set(userId, stream);
      }
      const n = stream.next++;
      let pending = this.#unacked.get(userId);
      if (!pending) {
        pending = new Map();
        this.#unacked.set(userId, pending);
      }
      pending.set(n, message);
      tags[userId] = [session, n, this.#floor(userId) ?? n];
    }
    return tags;
  }

  /** The lowest number still pending for `userId` (numbers only grow, so the map's first key). */
  #floor(userId: string): number | undefined {
    const pending = this.#unacked.get(userId);
    if (!pending || pending.size === 0) return undefined;
    return pending.keys().next().value;
  }

  /** The current tag of `message` for `userId`, with an up-to-date floor (for a retransmission). */
  retag(userId: string, tag: StreamTag): StreamTag {
    return [tag[0], tag[1], this.#floor(userId) ?? tag[1]];
  }

  /**
   * Takes back the numbers `number()` just gave `message` (its send was refused before anything left). The
   * streams must not keep a gap: a recipient would wait for the missing number forever.
   */
  unnumber(message: T, tags: StreamTags): void {
    for (const [userId, [, n]] of Object.entries(tags)) {
      const stream = this.#streams.get(userId);
      const pending = this.#unacked.get(userId);
      if (stream && pending?.get(n) === message && stream.next === n + 1) {
        pending.delete(n);
        stream.next = n;
      }
    }
  }

  /** Marks numbers acknowledged by `userId` (in `session`); returns the messages that were waiting. */
  ack(userId: string, session: string, numbers: number[]): T[] {
    const stream = this.#streams.get(userId);
    const pending = this.#unacked.get(userId);
    if (!stream || !pending || stream.session !== session) return [];
    const done: T[] = [];
    for (const n of numbers) {
      const message = pending.get(n);
      if (message === undefined) continue;
      pending.delete(n);
      done.push(message);
    }
    return done;
  }

  /**
   * A recipient came back with a new session (a reload): its stream restarts at 1, and every message it had
   * not acknowledged is renumbered, in order, for the new session. Returns the new tags per message.
   */
  renumber(userId: string, session: string): Map<T, StreamTag> {
    const pending = this.#unacked.get(userId);
    const stream: OutgoingStream = { session, next: 1 };
    this.#streams.set(userId, stream);
    const out = new Map<T, StreamTag>();
    if (!pending) return out;
    const ordered = [...pending.entries()].sort((a, b) => a[0] - b[0]);
    pending.clear();
    for (const [, message] of ordered) {
      const n = stream.next++;
      pending.set(n, message);
      out.set(message, [session, n, 1]);
    }
    return out;
  }

  /**
   * Forgets a message (it settled: acked by all or timed out) for the recipients of `tags`, its current
   * numbers: a look-up each, not a scan of everything pending (a recipient that never acks keeps many).
   */
  drop(message: T, tags: StreamTags): void {
    for (const userId of Object.keys(tags)) {
      const pending = this.#unacked.get(userId);
      const n = tags[userId]?.[1];
      if (!pending || n === undefined) continue;
      if (pending.get(n) === message) pending.delete(n);
      // A number that moved without its tag being told: that recipient's list only.
      else for (const [k, m] of pending) if (m === message) pending.delete(k);
    }
  }
}
