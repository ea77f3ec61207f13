import type { Clock, TimerHandle } from "../clock";

import type { Priority } from "../contract/types";

export type { Priority };

/** What the batcher needs to know of an envelope; the send path's items also carry the envelope itself. */
export interface BatchItem {
  /** What it takes of a frame's `maxBytes` (the send path: its size on the wire, plus one for its comma). */
  readonly bytes: number;
  readonly priority: Priority;
  /** A later item with the same key replaces this one while it is unsent. */
  readonly coalesce?: string | undefined;
}

export interface BatcherOptions<T extends BatchItem = BatchItem> {
  /** Read on every push so configure() applies at once. */
  limits(): { maxCount: number; maxBytes: number; windowMs: number };
  clock: Clock;
  /** Runs `fn` at the end of the current task. */
  defer(fn: () => void): void;
  /** Receives one frame's worth of items, in send order. */
  send(items: T[]): void;
  /** Told each time a coalesced item replaces an unsent one. */
  onCoalesced?(): void;
}

/**
 * Groups envelopes into frames. The queue is strictly first-in first-out, so per-sender order holds across
 * priorities: any flush carries everything queued before it.
 * - high: the first of a task leaves at once when nothing waits ahead of it (a request, the answer to one, a
 *   pong: what someone is waiting for does not wait for the rest of the task); the others flush at the end of
 *   the task, as normal ones do;
 * - high and normal: flush at the end of the current task, so a lone message is not delayed and a burst (many
 *   requests, or the answers to them) shares frames instead of taking one frame per envelope;
 * - low: waits up to `windowMs` for company, unless a normal or high flush takes it along first;
 * - a full frame (`maxCount` envelopes or `maxBytes`) flushes at once.
 */
export class Batcher<T extends BatchItem = BatchItem> {
  #queue: T[] = [];
  /** Queued items a later one with the same coalesce key replaced: skipped when the queue is sent. */
  readonly #replaced = new Set<T>();
  #liveCount = 0;
  #liveBytes = 0;
  readonly #byKey = new Map<string, T>();
  #deferred = false;
  /** A high envelope already left at once in this task: the task's others share frames at its end. */
  #sentAtOnce = false;
  #draining = false;
  #timer: TimerHandle | null = null;
  readonly #opts: BatcherOptions<T>;

  constructor(opts: BatcherOptions<T>) {
    this.#opts = opts;
  }

  get pending(): number {
    return this.#liveCount;
  }

  push(item: T): void {
    if (item.coalesce !== undefined) {
      const earlier = this.#byKey.get(item.coalesce);
      if (earlier !== undefined && !this.#replaced.has(earlier)) {
        this.#replaced.add(earlier);
        this.#liveCount--;
        this.#liveBytes -= earlier.bytes;
        this.#opts.onCoalesced?.();
      }
      this.#byKey.set(item.coalesce, item);
    }
    this.#queue.push(item);
    this.#liveCount++;
    this.#liveBytes += item.bytes;

    if (this.#draining) return;
    if (item.priority === "high" && !this.#sentAtOnce && this.#liveCount === 1) {
      this.#sentAtOnce = true;
      // One envelope is one frame whatever the limits: no need to read them.
      this.#drain(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, false);
      // The end-of-task job clears the mark (and sends whatever the rest of the task queues).
      this.#deferFlush();
      return;
    }
    const { maxCount, maxBytes, windowMs } = this.#opts.limits();
    if (this.#liveCount >= maxCount || this.#liveBytes >= maxBytes) this.#sendFullFrames(maxCount, maxBytes);
    if (this.#liveCount === 0) return;
    if (item.priority !== "low") this.#deferFlush();
    else if (this.#timer === null) this.#timer = this.#opts.clock.setTimeout(() => this.flush(), windowMs);
  }

  /**
   * The rest of this task's high envelopes share frames, none leaves at once: the answers to a frame of many
   * requests go out together, not the first alone.
   */
  groupRestOfTask(): void {
    if (this.#sentAtOnce) return;
    this.#sentAtOnce = true;
    // The end-of-task job clears the mark.
    this.#deferFlush();
  }

  /** Sends everything queued now. */
  flush(): void {
    const { maxCount, maxBytes } = this.#opts.limits();
    this.#drain(maxCount, maxBytes, false);
  }

  /** Removes and returns everything queued, in order, without sending it. */
  take(): T[] {
    const items = this.#takeLive();
    this.clear();
    return items;
  }

  /** Forgets everything queued (used on dispose). */
  clear(): void {
    this.#queue = [];
    this.#replaced.clear();
    this.#byKey.clear();
    this.#liveCount = 0;
    this.#liveBytes = 0;
    this.#cancelTimer();
  }

  #sendFullFrames(maxCount: number, maxBytes: number): void {
    this.#drain(maxCount, maxBytes, true);
  }

  /**
   * Sends frames in queue order; with `onlyFull`, keeps back a last frame that is not yet full. Each frame is
   * taken off the queue before it is handed to `send`, so a throwing `send` never causes a resend; items
   * pushed from inside `send` queue behind the rest and go out with the next flush.
   */
  #drain(maxCount: number, maxBytes: number, onlyFull: boolean): void {
    if (this.#draining) return;
    this.#draining = true;
    const items = this.#takeLive();
    let start = 0;
    try {
      while (start < items.length) {
        let end = start;
        let bytes = 0;
        while (end < items.length && end - start < maxCount) {
          const next = (items[end] as T).bytes;
          if (end > start && bytes + next > maxBytes) break;
          bytes += next;
          end++;
        }
        const full = end - start >= maxCount || end < items.length || bytes >= maxBytes;
        if (onlyFull && !full) break;
        const frame = start === 0 && end === items.length ? items : items.slice(start, end);
        start = end;
        this.#opts.send(frame);
      }
    } finally {
      this.#draining = false;
      const pushedMeanwhile = this.#takeLive();
      for (let i = start; i < items.length; i++) this.#restore(items[i] as T);
      for (const item of pushedMeanwhile) this.#restore(item);
      if (this.#liveCount === 0) this.#cancelTimer();
      if (pushedMeanwhile.length > 0) this.#deferFlush();
    }
  }

  /** Takes every live item off the queue (the queue itself when none was coalesced away). */
  #takeLive(): T[] {
    const queue = this.#queue;
    const replaced = this.#replaced;
    const live = replaced.size === 0 ? queue : queue.filter((item) => !replaced.has(item));
    this.#queue = [];
    if (replaced.size > 0) replaced.clear();
    if (this.#byKey.size > 0) this.#byKey.clear();
    this.#liveCount = 0;
    this.#liveBytes = 0;
    return live;
  }

  #restore(item: T): void {
    this.#queue.push(item);
    this.#liveCount++;
    this.#liveBytes += item.bytes;
    if (item.coalesce !== undefined) this.#byKey.set(item.coalesce, item);
  }

  #deferFlush(): void {
    if (this.#deferred) return;
    this.#deferred = true;
    this.#opts.defer(this.#atEndOfTask);
  }

  // Made once: a closure written inside #deferFlush would cost every push an allocation (V8 builds the
  // function's context on entry, before the early return).
  readonly #atEndOfTask = (): void => {
    this.#deferred = false;
    this.#sentAtOnce = false;
    if (this.#liveCount > 0) this.flush();
  };

  #cancelTimer(): void {
    if (this.#timer !== null) {
      this.#opts.clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}
