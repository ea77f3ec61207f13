import type { Clock } from "../clock";
import { byteLength, isHighSurrogate, PRINTABLE_LOOK, printableEscapes, wireBytes } from "./sizes";

/**
 * Splitting an encoded envelope that is too large for one frame into pieces, and putting pieces back
 * together on the far side, in bounded memory and time.
 *
 * A chunk envelope's payload is `[parentSeq, index, total, piece]`: `piece` is a slice of the parent
 * envelope's JSON text. The parent is rebuilt and parsed once every piece has arrived.
 */
export type ChunkPayload = [parent: number, index: number, total: number, piece: string];

/** The most chunks one envelope may be cut into: receivers refuse a larger set, so senders refuse to send one. */
export const MAX_CHUNKS = 100_000;

/** How far under the budget a slice's first guess stays, in characters: room for the two quotes and a few escapes. */
const FIRST_GUESS_SLACK = 64;

/**
 * Cuts `text` into slices whose size, as measured by `measure` (default: UTF-8 bytes), is at most `maxBytes`,
 * never inside a surrogate pair. Pass a measure of the *escaped* size when pieces travel inside JSON strings.
 * A slice's first guess is a little under `maxBytes` characters, so `measure` should count each character a byte
 * or more. `sizes`, when given, receives each slice's measure.
 */
export function splitText(
  text: string,
  maxBytes: number,
  measure: (piece: string) => number = byteLength,
  sizes?: number[],
): string[] {
  const size = rangeMeasure(text, measure);
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    // Every character takes a byte at least: a first guess a little under the budget fits at once unless the
    // text grows (escapes, non-ASCII), which sparse quotes in JSON text do by a few bytes only.
    let end = Math.min(
      text.length,
      start + Math.max(1, maxBytes - Math.min(FIRST_GUESS_SLACK, maxBytes >> 4)),
    );
    let bytes = size(start, end);
    for (; end > start + 1 && bytes > maxBytes; ) {
      // Shrink in proportion to the overshoot (one step for evenly escaped text such as a run of quotes), and
      // by at least a tenth, so unevenly escaped text cannot make the steps tiny.
      const length = end - start;
      let next =
        start + Math.max(1, Math.min(Math.floor((length * maxBytes) / bytes), Math.floor(length * 0.9)));
      // Not between the halves of a surrogate pair: keep the pair whole (the next step may still shrink).
      if (next + 1 < end && isHighSurrogate(text.charCodeAt(next - 1))) next++;
      end = next;
      bytes = size(start, end);
    }
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && end - start > 1) {
      end--;
      bytes = size(start, end);
    }
    pieces.push(text.slice(start, end));
    sizes?.push(bytes);
    start = end;
  }
  return pieces;
}

/** `measure` of `text.slice(start, end)`; for long printable ASCII as JSON strings, counted from one look. */
function rangeMeasure(
  text: string,
  measure: (piece: string) => number,
): (start: number, end: number) => number {
  const escapes = measure === wireBytes && text.length >= PRINTABLE_LOOK ? printableEscapes(text) : null;
  if (!escapes) return (start, end) => measure(text.slice(start, end));
  return (start, end) => end - start + 2 + below(escapes, end) - below(escapes, start);
}

/** How many of the ascending `list` are below `limit`. */
function below(list: readonly number[], limit: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function isChunkPayload(value: unknown): value is ChunkPayload {
  if (!Array.isArray(value) || value.length !== 4) return false;
  const [parent, index, total, piece] = value as unknown[];
  return (
    typeof parent === "number" &&
    Number.isSafeInteger(parent) &&
    parent > 0 &&
    typeof total === "number" &&
    Number.isInteger(total) &&
    total > 1 &&
    total <= MAX_CHUNKS &&
    typeof index === "number" &&
    Number.isInteger(index) &&
    index >= 0 &&
    index < total &&
    typeof piece === "string"
  );
}

interface PartialMessage {
  readonly total: number;
  /** Pieces by index, allocated as they arrive (never `total` slots up front). */
  readonly pieces: Map<number, string>;
  /** Bytes charged: SET_COST for the set, and each piece's length (at least PIECE_COST). */
  charged: number;
  /** What the set holds in memory, charged to the total: `charged`, with pieces beyond Latin-1 counted twice. */
  memory: number;
  readonly startedAt: number;
  /** The server-stamped user id the set is charged to. */
  readonly user: string;
}

export type ReassemblyResult =
  | { status: "pending" }
  | { status: "complete"; text: string }
  | { status: "duplicate" }
  | { status: "invalid" }
  | { status: "over-budget" };

export interface ReassemblerLimits {
  /** Bytes one user may have in half-rebuilt messages (and the largest single message). */
  maxMessageBytes: number;
  /** All users together. */
  maxTotalBytes: number;
  /** An incomplete set older than this is dropped. */
  maxAgeMs: number;
}

/** Incomplete sets one user may have open at once, whatever sessions it claims. */
export const MAX_SETS_PER_USER = 16;
/** Incomplete sets of all users together. */
export const MAX_SETS = 256;
/** What a set costs before any piece arrives, and the least a piece costs (so empty pieces count). */
export const SET_COST = 256;
export const PIECE_COST = 64;

const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/** What one user may hold: the largest message, plus the fixed cost of its open sets. */
const userBudget = (limits: ReassemblerLimits) =>
  limits.maxMessageBytes + MAX_SETS_PER_USER * SET_COST + PIECE_COST;

/**
 * Collects chunk pieces per (stream, parent) key, charging every set and piece to the server-stamped user
 * before anything is stored: bounded per user (bytes and open sets) and in total, whatever sessions a sender
 * invents. Sets that do not complete within `maxAgeMs` are dropped (oldest first, without scanning the rest)
 * and reported through `onExpired`. A piece that contradicts its set discards the set.
 */
export class Reassembler {
  readonly #partials = new Map<string, PartialMessage>();
  readonly #byUser = new Map<string, { bytes: number; sets: number }>();
  #totalBytes = 0;
  readonly #limits: () => ReassemblerLimits;
  readonly #clock: Pick<Clock, "now">;
  readonly #onExpired: (count: number) => void;

  constructor(
    limits: () => ReassemblerLimits,
    clock: Pick<Clock, "now">,
    onExpired: (count: number) => void,
  ) {
    this.#limits = limits;
    this.#clock = clock;
    this.#onExpired = onExpired;
  }

  get pendingSets(): number {
    return this.#partials.size;
  }

  get pendingBytes(): number {
    return this.#totalBytes;
  }

  /**
   * `user` is the server-stamped sender (what is charged), `stream` its session (what keys the set); `chunk`
   * was checked with isChunkPayload.
   */
  add(user: string, stream: string, chunk: ChunkPayload): ReassemblyResult {
    this.sweep();
    const [parent, index, total, piece] = chunk;
    const key = `${user}/${stream}#${parent}`;
    const limits = this.#limits();
    const account = this.#byUser.get(user) ?? { bytes: 0, sets: 0 };
    let partial = this.#partials.get(key);
    if (!partial) {
      // Charged before anything is allocated: a set must be able to arrive within the user's budget.
      if (
        account.sets >= MAX_SETS_PER_USER ||
        this.#partials.size >= MAX_SETS ||
        total * PIECE_COST > limits.maxMessageBytes ||
        !this.#fits(account, SET_COST, SET_COST, limits)
      ) {
        return { status: "over-budget" };
      }
      partial = {
        total,
        pieces: new Map(),
        charged: SET_COST,
        memory: SET_COST,
        startedAt: this.#clock.now(),
        user,
      };
      this.#partials.set(key, partial);
      account.sets++;
      account.bytes += SET_COST;
      this.#totalBytes += SET_COST;
      this.#byUser.set(user, account);
    }
    if (partial.total !== total) {
      this.#discard(key, partial);
      return { status: "invalid" };
    }
    if (partial.pieces.has(index)) return { status: "duplicate" };
    const cost = Math.max(piece.length, PIECE_COST);
    // A string holding anything beyond Latin-1 takes two bytes a character.
    const memory = BEYOND_LATIN1.test(piece) ? 2 * cost : cost;
    if (
      partial.charged + cost > limits.maxMessageBytes + SET_COST + PIECE_COST ||
      !this.#fits(account, cost, memory, limits)
    ) {
      this.#discard(key, partial);
      return { status: "over-budget" };
    }
    partial.pieces.set(index, piece);
    partial.charged += cost;
    partial.memory += memory;
    account.bytes += cost;
    this.#totalBytes += memory;
    if (partial.pieces.size < partial.total) return { status: "pending" };
    this.#discard(key, partial);
    let text = "";
    for (let i = 0; i < partial.total; i++) text += partial.pieces.get(i) ?? "";
    return { status: "complete", text };
  }

  /** Drops every incomplete set older than the age limit: sets are kept oldest first, so this stops early. */
  sweep(): void {
    const cutoff = this.#clock.now() - this.#limits().maxAgeMs;
    let expired = 0;
    for (const [key, partial] of this.#partials) {
      if (partial.startedAt >= cutoff) break;
      this.#discard(key, partial);
      expired++;
    }
    if (expired > 0) this.#onExpired(expired);
  }

  clear(): void {
    this.#partials.clear();
    this.#byUser.clear();
    this.#totalBytes = 0;
  }

  /** `cost` counts against the user's budget (characters), `memory` against everyone's (bytes held). */
  #fits(account: { bytes: number }, cost: number, memory: number, limits: ReassemblerLimits): boolean {
    return account.bytes + cost <= userBudget(limits) && this.#totalBytes + memory <= limits.maxTotalBytes;
  }

  #discard(key: string, partial: PartialMessage): void {
    if (!this.#partials.delete(key)) return;
    const account = this.#byUser.get(partial.user);
    if (account) {
      account.bytes -= partial.charged;
      account.sets--;
      if (account.sets <= 0) this.#byUser.delete(partial.user);
    }
    this.#totalBytes -= partial.memory;
  }
}
