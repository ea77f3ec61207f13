/** Events for the backend, kept while the connection is down (bounded: the oldest go first) and sent in batches. */
import { PayloadTooLargeError, ValidationError } from "../contract/errors";
import { byteLength } from "../pipeline/codec";
import { BRIDGE_LIMITS } from "./host";
import { assertJsonSafe } from "./json-safe";
import { isEventName, MAX_BATCH } from "./protocol";

/**
 * An event as it waits: its JSON, `{"event":…,"data":…,"at":…}`, encoded once at `emit`, and that JSON's
 * UTF-8 size. A frame of one event is `{"type":"event",` + the rest of it; a batch is
 * `{"type":"events","events":[` + the events joined by commas + `]}` (exactly what JSON.stringify of those
 * objects gives).
 */
export interface QueuedEvent {
  readonly json: string;
  readonly bytes: number;
}

const ONE_HEAD = '{"type":"event",';
const BATCH_HEAD = '{"type":"events","events":[';
const BATCH_TAIL = "]}";

/** An event `api.bridge.emit` may send: a name of 1 to 64 characters, JSON data, one frame at most. */
export function checkedEvent(event: string, data: unknown, at: number, maxFrame: number): QueuedEvent {
  if (!isEventName(event)) {
    throw new ValidationError("bridge event names are 1 to 64 characters", {
      moduleId: "bridge",
      event: String(event),
    });
  }
  assertJsonSafe(data, "bridge", event);
  const json = JSON.stringify({ event, data: data ?? null, at });
  const bytes = byteLength(json);
  // Its frame alone: ONE_HEAD replaces the JSON's opening brace.
  if (bytes + ONE_HEAD.length - 1 > maxFrame) {
    throw new PayloadTooLargeError(`bridge event "${event}" is larger than ${maxFrame} bytes`, {
      moduleId: "bridge",
      event,
    });
  }
  return { json, bytes };
}

export class EventQueue {
  readonly #items: QueuedEvent[] = [];

  get length(): number {
    return this.#items.length;
  }

  /** Adds an event; returns how many old ones it pushed out (0 or 1). */
  push(item: QueuedEvent): number {
    this.#items.push(item);
    if (this.#items.length <= BRIDGE_LIMITS.queue) return 0;
    this.#items.shift();
    return 1;
  }

  /** Empties the queue; returns how many events it held. */
  clear(): number {
    return this.#items.splice(0).length;
  }

  /**
   * The next frame to send, removed from the queue: one event, or as many as fit a batch of at most
   * `maxFrame` bytes and MAX_BATCH events (the first is always taken: `emit` checked its size).
   */
  takeFrame(maxFrame: number): { text: string; count: number } | null {
    let count = 0;
    let size = BATCH_HEAD.length + BATCH_TAIL.length;
    for (const item of this.#items) {
      const itemSize = item.bytes + (count > 0 ? 1 : 0);
      if (count > 0 && (size + itemSize > maxFrame || count >= MAX_BATCH)) break;
      count++;
      size += itemSize;
    }
    const batch = this.#items.splice(0, count);
    const [only] = batch;
    if (!only) return null;
    const text =
      batch.length === 1
        ? ONE_HEAD + only.json.slice(1)
        : BATCH_HEAD + batch.map((e) => e.json).join(",") + BATCH_TAIL;
    return { text, count };
  }
}
