import type { Counters } from "../metrics/counters";

/** Envelopes held while a part of the client loads: per sender user, in all, and their bytes in all. */
export const HOLD_LIMITS = { perSender: 5_000, total: 20_000, bytes: 16 * 1024 * 1024 } as const;

interface Held<M> {
  message: M;
  sender: string;
  bytes: number;
}

/**
 * Keeps the receive order while a part of the client loads (the first request or reliable message this
 * client gets fetches its chunk): the envelope that needs the part and every envelope after it wait, then run
 * in arrival order. Bounded: an envelope over a limit is dropped and counted (`load-overflow`); one whose part
 * could not load is dropped and counted (`load-failed`).
 */
export class ReceiveHold<M> {
  #queue: Held<M>[] = [];
  /** Index of the first envelope still held (shifting a long array costs its length each time). */
  #head = 0;
  readonly #perSender = new Map<string, number>();
  #bytes = 0;
  #waiting = false;
  /** True while #drain runs envelopes: one that arrives meanwhile (a loopback) joins the end of the queue. */
  #draining = false;

  constructor(
    private readonly deps: {
      counters: Counters;
      /** Null when `message` can run now; else the load it waits for. */
      waitFor(message: M): Promise<unknown> | null;
      run(message: M): void;
      /** A load that failed, or an envelope whose route threw while the hold ran it. */
      report(error: unknown): void;
    },
  ) {}

  get size(): number {
    return this.#queue.length - this.#head;
  }

  accept(message: M, sender: string, bytes: number): void {
    if (this.size === 0 && !this.#waiting && !this.deps.waitFor(message)) return this.deps.run(message);
    const mine = this.#perSender.get(sender) ?? 0;
    if (
      mine >= HOLD_LIMITS.perSender ||
      this.size >= HOLD_LIMITS.total ||
      this.#bytes + bytes > HOLD_LIMITS.bytes
    ) {
      return this.deps.counters.drop("load-overflow");
    }
    this.#perSender.set(sender, mine + 1);
    this.#bytes += bytes;
    this.#queue.push({ message, sender, bytes });
    if (!this.#waiting && !this.#draining) this.#drain();
  }

  clear(): void {
    this.#queue = [];
    this.#head = 0;
    this.#perSender.clear();
    this.#bytes = 0;
  }

  /** Runs held envelopes in order until one needs a part that is not loaded; waits for it, then goes on. */
  #drain(): void {
    this.#waiting = false;
    this.#draining = true;
    try {
      this.#runHeld();
    } finally {
      this.#draining = false;
    }
  }

  #runHeld(): void {
    while (this.size > 0) {
      const first = this.#queue[this.#head] as Held<M>;
      const wait = this.deps.waitFor(first.message);
      if (wait) {
        this.#waiting = true;
        wait.then(
          () => this.#drain(),
          (e: unknown) => {
            if (this.#queue[this.#head] === first) {
              this.#take();
              this.deps.counters.drop("load-failed");
              this.deps.report(e);
            }
            this.#drain();
          },
        );
        return;
      }
      this.#take();
      try {
        this.deps.run(first.message);
      } catch (e) {
        this.deps.report(e);
      }
    }
  }

  #take(): void {
    const held = this.#queue[this.#head];
    if (!held) return;
    this.#head++;
    this.#bytes -= held.bytes;
    const left = (this.#perSender.get(held.sender) ?? 1) - 1;
    if (left > 0) this.#perSender.set(held.sender, left);
    else this.#perSender.delete(held.sender);
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }
}
