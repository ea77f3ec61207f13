import type { Clock, TimerHandle } from "../clock";

/** One item waiting for its deadline; `live` turns false once it is due or cancelled. */
export interface Deadline<T> {
  readonly item: T;
  readonly at: number;
  /** Breaks ties between equal deadlines: the earlier added is due first. */
  readonly order: number;
  live: boolean;
}

/** Cancelled entries are swept out of the heap once they are this many and at least half of it. */
const COMPACT_AFTER = 32;

/**
 * Many deadlines behind one timer, due in order: a timer each (set when a request opens, cleared when it is
 * answered) costs more than the rest of a request's bookkeeping. The timer is armed for the earliest live
 * deadline and re-armed only when an earlier one comes in, so a stream of requests with one timeout sets about
 * one timer per timeout. A cancelled deadline leaves the timer as it is; it fires for nothing at worst.
 */
export class Deadlines<T> {
  #heap: Deadline<T>[] = [];
  #order = 0;
  #cancelled = 0;
  #timer: TimerHandle | null = null;
  /** When the timer fires (Infinity: no timer). */
  #armedFor = Number.POSITIVE_INFINITY;
  readonly #clock: Clock;
  readonly #onDue: (item: T) => void;

  constructor(clock: Clock, onDue: (item: T) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  add(item: T, at: number): Deadline<T> {
    const entry: Deadline<T> = { item, at, order: this.#order++, live: true };
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
    if (at < this.#armedFor) this.#arm();
    return entry;
  }

  cancel(entry: Deadline<T>): void {
    if (!entry.live) return;
    entry.live = false;
    this.#cancelled++;
    if (this.#cancelled >= COMPACT_AFTER && this.#cancelled * 2 >= this.#heap.length) this.#compact();
  }

  /** Forgets every deadline and stops the timer. */
  clear(): void {
    for (const entry of this.#heap) entry.live = false;
    this.#heap = [];
    this.#cancelled = 0;
    this.#stop();
  }

  #fire(): void {
    this.#timer = null;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    // Re-read the top on every turn: a due item's handler may add deadlines.
    for (let top = this.#peek(); top !== undefined && top.at <= now; top = this.#peek()) {
      this.#pop();
      top.live = false;
      this.#onDue(top.item);
    }
    this.#arm();
  }

  /** The earliest live entry, dropping cancelled ones from the top. */
  #peek(): Deadline<T> | undefined {
    let top = this.#heap[0];
    while (top !== undefined && !top.live) {
      this.#pop();
      this.#cancelled--;
      top = this.#heap[0];
    }
    return top;
  }

  #arm(): void {
    const top = this.#peek();
    if (top === undefined || top.at >= this.#armedFor) return;
    this.#stop();
    this.#armedFor = top.at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, top.at - this.#clock.now()));
  }

  #stop(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #compact(): void {
    const live = this.#heap.filter((entry) => entry.live);
    this.#heap = live;
    this.#cancelled = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #before(a: Deadline<T>, b: Deadline<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    this.#down(0);
  }

  #up(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as Deadline<T>;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as Deadline<T>;
      if (!this.#before(entry, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  #down(index: number): void {
    const heap = this.#heap;
    const entry = heap[index] as Deadline<T>;
    const n = heap.length;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child =
        right < n && this.#before(heap[right] as Deadline<T>, heap[left] as Deadline<T>) ? right : left;
      const below = heap[child] as Deadline<T>;
      if (!this.#before(below, entry)) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = entry;
  }
}
