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
import { PerUserSessions } from "../pipeline/per-user";

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

  /** Forgets a message for every recipient (it settled: acked by all or timed out). */
  drop(message: T): void {
    for (const pending of this.#unacked.values()) {
      for (const [n, m] of pending) if (m === message) pending.delete(n);
    }
  }
}

/**
 * - deliver: ran now (with any buffered successors); ack it.
 * - duplicate: ran before; ack it again (the sender lost the ack).
 * - buffered: kept until the gap before it fills; not acked until it runs.
 * - waiting: already buffered; nothing to do.
 * - stale: tagged for another session of this client.
 * - overflow: over a bound; not kept and not acked, so the sender sends it again.
 */
export type ReceiveVerdict = "deliver" | "duplicate" | "buffered" | "waiting" | "stale" | "overflow";

export interface InboxLimits {
  /** Messages buffered ahead of a gap, per user over all its streams. */
  maxBuffered: number;
  /** Their payload bytes, per user. */
  maxBytes: number;
  /** A buffered message older than this is let go (the sender, never having had an ack, sends it again). */
  maxAgeMs: number;
  /** Streams (sender sessions) per user. */
  streamsPerUser: number;
}

export const DEFAULT_INBOX_LIMITS: Readonly<InboxLimits> = Object.freeze({
  maxBuffered: 1000,
  maxBytes: 8 * 1024 * 1024,
  maxAgeMs: 30_000,
  streamsPerUser: 4,
});

interface Buffered {
  readonly run: () => void;
  readonly bytes: number;
  readonly at: number;
}

interface IncomingStream {
  expected: number;
  readonly buffer: Map<number, Buffered>;
}

/**
 * Receiver side: in-order, exactly-once delivery per (user, session) stream. Only what ran is acked, so
 * anything this side lets go (over a bound, too old) is sent again by the sender. Buffers are bounded per
 * server-stamped user, and a user's invented sessions only push out its own streams.
 */
export class ReliableInbox {
  readonly #streams: PerUserSessions<IncomingStream>;
  readonly #usage = new Map<string, { count: number; bytes: number }>();
  readonly #limits: InboxLimits;
  /** Buffered messages let go because they grew too old. */
  expired = 0;

  constructor(limits: Partial<InboxLimits> = {}) {
    this.#limits = { ...DEFAULT_INBOX_LIMITS, ...limits };
    this.#streams = new PerUserSessions(this.#limits.streamsPerUser, () => ({
      expected: 1,
      buffer: new Map(),
    }));
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  /** Messages and bytes buffered for `user`. */
  usage(user: string): { count: number; bytes: number } {
    return { ...(this.#usage.get(user) ?? { count: 0, bytes: 0 }) };
  }

  /**
   * Decides what to do with message `n` of the stream (`user`, `session`), addressed to `tag[0]` (must be
   * `mySession`). `deliver` runs now for the next expected number, followed by any buffered successors.
   */
  receive(
    user: string,
    session: string,
    mySession: string,
    tag: StreamTag,
    deliver: () => void,
    bytes = 0,
    now = 0,
  ): ReceiveVerdict {
    const [tagSession, n, floor] = tag;
    if (tagSession !== mySession) return "stale";
    const before = this.#streams.peek(user, session);
    const stream = this.#streams.get(user, session);
    if (!before) this.#forgetEvicted(user);
    this.#age(user, stream, now);
    if (floor !== undefined && floor > stream.expected) this.#skipTo(user, stream, floor);
    if (n < stream.expected) return "duplicate";
    if (stream.buffer.has(n)) return "waiting";
    if (n > stream.expected) {
      const used = this.#usage.get(user) ?? { count: 0, bytes: 0 };
      if (used.count >= this.#limits.maxBuffered || used.bytes + bytes > this.#limits.maxBytes)
        return "overflow";
      stream.buffer.set(n, { run: deliver, bytes, at: now });
      used.count++;
      used.bytes += bytes;
      this.#usage.set(user, used);
      return "buffered";
    }
    deliver();
    stream.expected++;
    this.#drainBuffer(user, stream);
    return "deliver";
  }

  /** The sender settled everything below `floor`: run what is buffered there, in order, and stop waiting. */
  #skipTo(user: string, stream: IncomingStream, floor: number): void {
    const below = [...stream.buffer.keys()].filter((k) => k < floor).sort((a, b) => a - b);
    for (const k of below) this.#take(user, stream, k)?.run();
    stream.expected = floor;
    this.#drainBuffer(user, stream);
  }

  #drainBuffer(user: string, stream: IncomingStream): void {
    for (
      let next = this.#take(user, stream, stream.expected);
      next;
      next = this.#take(user, stream, stream.expected)
    ) {
      stream.expected++;
      next.run();
    }
  }

  /** Lets go of buffered messages older than the age limit (unacked: they will come again). */
  #age(user: string, stream: IncomingStream, now: number): void {
    if (stream.buffer.size === 0) return;
    const cutoff = now - this.#limits.maxAgeMs;
    for (const [k, entry] of [...stream.buffer]) {
      if (entry.at >= cutoff) continue;
      this.#take(user, stream, k);
      this.expired++;
    }
  }

  #take(user: string, stream: IncomingStream, n: number): Buffered | undefined {
    const entry = stream.buffer.get(n);
    if (!entry) return undefined;
    stream.buffer.delete(n);
    const used = this.#usage.get(user);
    if (used) {
      used.count--;
      used.bytes -= entry.bytes;
      if (used.count <= 0) this.#usage.delete(user);
    }
    return entry;
  }

  /** A new stream may have pushed out an old one of the same user: recount that user's buffers. */
  #forgetEvicted(user: string): void {
    let count = 0;
    let bytes = 0;
    for (const [u, , stream] of this.#streams.entries()) {
      if (u !== user) continue;
      for (const entry of stream.buffer.values()) {
        count++;
        bytes += entry.bytes;
      }
    }
    if (count === 0) this.#usage.delete(user);
    else this.#usage.set(user, { count, bytes });
  }
}
