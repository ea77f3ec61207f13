import type { Clock } from "../clock";
import { byteLength } from "./codec";

/**
 * Splitting an encoded envelope that is too large for one frame into pieces, and putting pieces back
 * together on the far side, in bounded memory and time.
 *
 * A chunk envelope's payload is `[parentSeq, index, total, piece]`: `piece` is a slice of the parent
 * envelope's JSON text. The parent is rebuilt and parsed once every piece has arrived.
 */
export type ChunkPayload = [parent: number, index: number, total: number, piece: string];

/**
 * Cuts `text` into slices whose size, as measured by `measure` (default: UTF-8 bytes), is at most `maxBytes`,
 * never inside a surrogate pair. Pass a measure of the *escaped* size when pieces travel inside JSON strings.
 */
export function splitText(
  text: string,
  maxBytes: number,
  measure: (piece: string) => number = byteLength,
): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxBytes);
    while (end > start + 1 && measure(text.slice(start, end)) > maxBytes) {
      end = start + Math.max(1, Math.floor((end - start) * 0.9));
    }
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff && end - start > 1) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
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
    total <= 100_000 &&
    typeof index === "number" &&
    Number.isInteger(index) &&
    index >= 0 &&
    index < total &&
    typeof piece === "string"
  );
}

interface PartialMessage {
  readonly total: number;
  readonly pieces: (string | undefined)[];
  received: number;
  bytes: number;
  readonly startedAt: number;
  readonly owner: string;
}

export type ReassemblyResult =
  | { status: "pending" }
  | { status: "complete"; text: string }
  | { status: "duplicate" }
  | { status: "invalid" }
  | { status: "over-budget" };

export interface ReassemblerLimits {
  /** Largest message one sender may be rebuilding, and largest in total per sender. */
  maxMessageBytes: number;
  /** All senders together. */
  maxTotalBytes: number;
  /** An incomplete set older than this is dropped. */
  maxAgeMs: number;
}

/**
 * Collects chunk pieces per (owner, parent) key. Memory is bounded per sender and in total; sets that do
 * not complete within `maxAgeMs` are dropped and reported through `onExpired`.
 */
export class Reassembler {
  readonly #partials = new Map<string, PartialMessage>();
  readonly #bytesByOwner = new Map<string, number>();
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

  /** `owner` identifies the sender (user and session); `chunk` was checked with isChunkPayload. */
  add(owner: string, chunk: ChunkPayload): ReassemblyResult {
    this.sweep();
    const [parent, index, total, piece] = chunk;
    const key = `${owner}#${parent}`;
    const limits = this.#limits();
    let partial = this.#partials.get(key);
    if (!partial) {
      partial = {
        total,
        pieces: new Array(total),
        received: 0,
        bytes: 0,
        startedAt: this.#clock.now(),
        owner,
      };
      this.#partials.set(key, partial);
    }
    if (partial.total !== total) return { status: "invalid" };
    if (partial.pieces[index] !== undefined) return { status: "duplicate" };
    const size = piece.length;
    const ownerBytes = this.#bytesByOwner.get(owner) ?? 0;
    if (
      partial.bytes + size > limits.maxMessageBytes ||
      ownerBytes + size > limits.maxMessageBytes ||
      this.#totalBytes + size > limits.maxTotalBytes
    ) {
      this.#discard(key, partial);
      return { status: "over-budget" };
    }
    partial.pieces[index] = piece;
    partial.received++;
    partial.bytes += size;
    this.#bytesByOwner.set(owner, ownerBytes + size);
    this.#totalBytes += size;
    if (partial.received < partial.total) return { status: "pending" };
    this.#discard(key, partial);
    return { status: "complete", text: partial.pieces.join("") };
  }

  /** Drops every incomplete set older than the age limit. */
  sweep(): void {
    const cutoff = this.#clock.now() - this.#limits().maxAgeMs;
    let expired = 0;
    for (const [key, partial] of this.#partials) {
      if (partial.startedAt >= cutoff) continue;
      this.#discard(key, partial);
      expired++;
    }
    if (expired > 0) this.#onExpired(expired);
  }

  clear(): void {
    this.#partials.clear();
    this.#bytesByOwner.clear();
    this.#totalBytes = 0;
  }

  #discard(key: string, partial: PartialMessage): void {
    this.#partials.delete(key);
    const left = (this.#bytesByOwner.get(partial.owner) ?? 0) - partial.bytes;
    if (left > 0) this.#bytesByOwner.set(partial.owner, left);
    else this.#bytesByOwner.delete(partial.owner);
    this.#totalBytes -= partial.bytes;
  }
}
