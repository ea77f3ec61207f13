/** Events for the backend, kept while the connection is down (bounded: the oldest go first) and sent in batches. */
import { byteLength } from "../pipeline/codec";
import { BRIDGE_LIMITS } from "./host";
import { frames, MAX_BATCH } from "./protocol";

export interface BridgeEvent {
  readonly event: string;
  readonly data: unknown;
  readonly at: number;
}

/** Room for `{"type":"events","events":[` and `]}`. */
const BATCH_OVERHEAD = 32;

export class EventQueue {
  readonly #items: BridgeEvent[] = [];

  get length(): number {
    return this.#items.length;
  }

  /** Adds an event; returns how many old ones it pushed out (0 or 1). */
  push(item: BridgeEvent): number {
    this.#items.push(item);
    if (this.#items.length <= BRIDGE_LIMITS.queue) return 0;
    this.#items.shift();
    return 1;
  }

  /** Empties the queue; returns how many events it held. */
  clear(): number {
    return this.#items.splice(0).length;
  }

  /** The next frame to send (one event, or a batch within `maxFrame` bytes), removed from the queue. */
  takeFrame(maxFrame: number): { text: string; count: number } | null {
    const batch: BridgeEvent[] = [];
    let size = BATCH_OVERHEAD;
    for (const item of this.#items) {
      const itemSize = byteLength(frames.event(item.event, item.data, item.at)) + 1;
      if (batch.length > 0 && (size + itemSize > maxFrame || batch.length >= MAX_BATCH)) break;
      batch.push(item);
      size += itemSize;
    }
    this.#items.splice(0, batch.length);
    const [only] = batch;
    if (!only) return null;
    const text = batch.length === 1 ? frames.event(only.event, only.data, only.at) : frames.events(batch);
    return { text, count: batch.length };
  }
}
