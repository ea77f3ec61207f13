import { PerUserSessions } from "../pipeline/per-user";
import type { StreamTag } from "./streams";

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
  /** Messages buffered over all users: 4× per user, so one user at its bound fills at most a quarter. */
  maxBufferedTotal: number;
  /** Their payload bytes over all users (4× per user). */
  maxBytesTotal: number;
  /** A buffered message older than this is let go (the sender, never having had an ack, sends it again). */
  maxAgeMs: number;
  /** Streams (sender sessions) per user. */
  streamsPerUser: number;
}

export const DEFAULT_INBOX_LIMITS: Readonly<InboxLimits> = Object.freeze({
  maxBuffered: 1000,
  maxBytes: 8 * 1024 * 1024,
  maxBufferedTotal: 4000,
  maxBytesTotal: 32 * 1024 * 1024,
  maxAgeMs: 30_000,
  streamsPerUser: 4,
});

interface Usage {
  count: number;
  bytes: number;
}

interface Buffered {
  readonly run: () => void;
  readonly bytes: number;
  readonly at: number;
}

/** Why buffered messages were let go unacked (the sender sends them again): counted by the caller. */
export type LetGo = "aged" | "evicted";

interface IncomingStream {
  expected: number;
  readonly buffer: Map<number, Buffered>;
}

/**
 * Receiver side: in-order, exactly-once delivery per (user, session) stream. Only what ran is acked, so
 * anything this side lets go (over a bound, too old) is sent again by the sender. Buffers are bounded per
 * server-stamped user and in total, and a user's invented sessions only push out its own streams.
 */
export class ReliableInbox {
  readonly #streams: PerUserSessions<IncomingStream>;
  readonly #usage = new Map<string, Usage>();
  /** The sum of `#usage` over all users. */
  readonly #total: Usage = { count: 0, bytes: 0 };
  readonly #limits: InboxLimits;
  readonly #onLetGo: (count: number, why: LetGo) => void;

  constructor(limits: Partial<InboxLimits> = {}, onLetGo: (count: number, why: LetGo) => void = () => {}) {
    this.#limits = { ...DEFAULT_INBOX_LIMITS, ...limits };
    this.#onLetGo = onLetGo;
    this.#streams = new PerUserSessions(this.#limits.streamsPerUser, () => ({
      expected: 1,
      buffer: new Map(),
    }));
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  /** Messages and bytes buffered for `user`, or over all users without one. */
  usage(user?: string): Usage {
    if (user === undefined) return { ...this.#total };
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
      if (!this.#fits(user, bytes)) return "overflow";
      stream.buffer.set(n, { run: deliver, bytes, at: now });
      this.#charge(user, 1, bytes);
      return "buffered";
    }
    deliver();
    stream.expected++;
    this.#drainBuffer(user, stream);
    return "deliver";
  }

  /** Whether one more message of `bytes` may be buffered for `user`, within its bound and the total. */
  #fits(user: string, bytes: number): boolean {
    const used = this.#usage.get(user) ?? { count: 0, bytes: 0 };
    const total = this.#total;
    const limits = this.#limits;
    if (used.count >= limits.maxBuffered || used.bytes + bytes > limits.maxBytes) return false;
    return total.count < limits.maxBufferedTotal && total.bytes + bytes <= limits.maxBytesTotal;
  }

  /** Adds `count` messages and `bytes` (either may be negative) to `user`'s usage and the total. */
  #charge(user: string, count: number, bytes: number): void {
    const used = this.#usage.get(user) ?? { count: 0, bytes: 0 };
    used.count += count;
    used.bytes += bytes;
    this.#total.count += count;
    this.#total.bytes += bytes;
    if (used.count <= 0) this.#usage.delete(user);
    else this.#usage.set(user, used);
  }

  /** The sender settled everything below `floor`: run what is buffered there, in order, and stop waiting. */
  #skipTo(user: string, stream: IncomingStream, floor: number): void {
    // The floor comes with every reliable envelope: only what lies below it is copied, never the whole buffer.
    const below: number[] = [];
    for (const k of stream.buffer.keys()) if (k < floor) below.push(k);
    if (below.length > 1) below.sort((a, b) => a - b);
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

  /**
   * Lets go of buffered messages older than the age limit (unacked: they will come again). The buffer holds
   * them in arrival order, so the walk stops at the first one young enough: it runs on every reliable envelope.
   */
  #age(user: string, stream: IncomingStream, now: number): void {
    const cutoff = now - this.#limits.maxAgeMs;
    let aged = 0;
    for (const [k, entry] of stream.buffer) {
      if (entry.at >= cutoff) break;
      this.#take(user, stream, k);
      aged++;
    }
    if (aged > 0) this.#onLetGo(aged, "aged");
  }

  #take(user: string, stream: IncomingStream, n: number): Buffered | undefined {
    const entry = stream.buffer.get(n);
    if (!entry) return undefined;
    stream.buffer.delete(n);
    this.#charge(user, -1, -entry.bytes);
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
    const used = this.usage(user);
    const lost = used.count - count;
    if (lost > 0) this.#onLetGo(lost, "evicted");
    this.#charge(user, -lost, bytes - used.bytes);
  }
}
