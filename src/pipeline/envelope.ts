/**
 * Wire protocol, version 1. A frame is one socket message: `{"v":1,"s":"<sender session>","e":[...]}`.
 * On the wire each envelope is an array, `[q, kind, channel, event, sentAt, extras, payload?]` (see
 * codec.ts); in memory it is an `Envelope`. Each envelope carries a per-session increasing sequence number
 * `q`; the message id is `${s}:${q}`, unique across reloads because every page load draws a new random
 * session id.
 */
export const PROTOCOL_VERSION = 1;

export const KINDS = ["msg", "req", "res", "err", "ack", "hello", "ping", "pong", "chunk"] as const;
export type Kind = (typeof KINDS)[number];

export interface Envelope {
  /** Sequence number, per sender session, starting at 1. */
  q: number;
  k: Kind;
  /** Channel: the consumer module id. */
  c: string;
  /** Event name. */
  e: string;
  /** Payload (absent when undefined). */
  d?: unknown;
  /** Recipient user ids; absent means every other client. */
  t?: string[];
  /** Send time on the sender's clock (ms since epoch). */
  a: number;
  /** The message id this one answers (res, err, ack, pong). */
  r?: string;
  /** Flags: see FLAG_*. */
  f?: number;
  /** Reliable messages: each recipient's place in its stream, `{ userId: [recipientSession, n, floor] }`. */
  o?: Record<string, [string, number, number?]>;
  /**
   * A request that may wait longer than an answer is usually kept: its timeout (ms), so that the answering
   * client keeps the answer as long for a repeat after an outage (src/services/answers.ts).
   */
  w?: number;
}

/** A decoded frame whose envelopes are still in wire form, to be checked one by one. */
export interface WireFrame {
  v: number;
  /** Sender session id. */
  s: string;
  e: unknown[];
}

/** The rarely used envelope fields, sent as one object in the envelope's sixth place (or `0`). */
export type WireExtras = Partial<Pick<Envelope, "t" | "r" | "f" | "o" | "w">>;

/** The recipient must acknowledge (reliable delivery). */
export const FLAG_RELIABLE = 1;

export const MAX_NAME_LENGTH = 64;

/** The last session's `${session}:`, kept whole: built anew for each id, it would cost a second string each time. */
let prefixSession = "";
let prefix = ":";

export function messageId(session: string, seq: number): string {
  if (session !== prefixSession) {
    prefixSession = session;
    prefix = `${session}:`;
  }
  return prefix + seq;
}

/** Whether this envelope is addressed to `userId` (broadcast envelopes are for everyone but the sender). */
export function isAddressedTo(env: Envelope, userId: string): boolean {
  return env.t === undefined || env.t.includes(userId);
}
