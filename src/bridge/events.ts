/** Events for the backend, kept while the connection is down (bounded: the oldest go first) and sent in batches. */
import { SocketManagerError, ValidationError } from "../contract/errors";
import { byteLength } from "../pipeline/codec";
import { assertJsonSafe } from "../pipeline/validate";
import { BRIDGE_LIMITS } from "./host";
import { frames, isEventName, MAX_BATCH } from "./protocol";

export interface BridgeEvent {
  readonly event: string;
  readonly data: unknown;
  readonly at: number;
}

/** An event `api.bridge.emit` may send: a name of 1 to 64 characters, JSON data, one frame at most. */
export function checkedEvent(event: string, data: unknown, at: number, maxFrame: number): BridgeEvent {
  if (!isEventName(event)) {
    throw new ValidationError("bridge event names are 1 to 64 characters", {
      moduleId: "bridge",
      event: String(event),
    });
  }
  assertJsonSafe(data, "bridge", event);
  const item = { event, data: data ?? null, at };
  if (byteLength(frames.event(item.event, item.data, item.at)) > maxFrame) {
    throw new SocketManagerError(`bridge event "${event}" is larger than ${maxFrame} bytes`, {
      moduleId: "bridge",
      event,
    });
  }
  return item;
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
