import type { Priority } from "./batcher";

export interface OutboxItem {
  readonly priority: Priority;
  /** When it was queued (ms). */
  readonly at: number;
}

export type OutboxDrop = "outbox-overflow" | "outbox-expired";

/**
 * Holds envelopes while no frame can leave, so nothing goes into socket.io's unbounded buffer. Bounded:
 * when full, the oldest low-priority item goes first, then the oldest of any priority.
 */
export class Outbox<T extends OutboxItem> {
  #items: T[] = [];

  readonly #limits: () => { size: number; maxAge: number };
  readonly #onDrop: (reason: OutboxDrop, item: T) => void;

  constructor(limits: () => { size: number; maxAge: number }, onDrop: (reason: OutboxDrop, item: T) => void) {
    this.#limits = limits;
    this.#onDrop = onDrop;
  }

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    const { size } = this.#limits();
    if (size === 0) return this.#onDrop("outbox-overflow", item);
    this.#items.push(item);
    while (this.#items.length > size) {
      let victim = this.#items.findIndex((i) => i.priority === "low");
      if (victim < 0) victim = 0;
      const [dropped] = this.#items.splice(victim, 1);
      if (dropped) this.#onDrop("outbox-overflow", dropped);
    }
  }

  /** Removes and returns everything still fresh, in order; expired items are dropped and reported. */
  drain(now: number): T[] {
    const { maxAge } = this.#limits();
    const out: T[] = [];
    for (const item of this.#items) {
      if (now - item.at > maxAge) this.#onDrop("outbox-expired", item);
      else out.push(item);
    }
    this.#items = [];
    return out;
  }

  clear(): void {
    this.#items = [];
  }
}
