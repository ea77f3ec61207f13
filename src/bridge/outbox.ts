/**
 * Events on their way to the backend: checked at `emit`, kept while the connection is down (bounded, see
 * EventQueue) and sent in batches at the end of the task once the connection is welcomed.
 */
import type { Clock, TimerHandle } from "../clock";
import { TransportError } from "../contract/errors";
import { checkedEvent, EventQueue } from "./events";
import type { BridgeStats } from "./stats";

export interface OutboxDeps {
  readonly clock: Clock;
  readonly stats: BridgeStats;
  maxFrame(): number;
  /** Whether frames may go out now (the connection is welcomed). */
  open(): boolean;
  send(text: string): void;
}

export class BridgeOutbox {
  readonly #deps: OutboxDeps;
  readonly #queue = new EventQueue();
  #flushTimer: TimerHandle | null = null;

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
  }

  get length(): number {
    return this.#queue.length;
  }

  /**
   * Queues one event. Throws ValidationError (name, data) or PayloadTooLargeError when the event is refused,
   * TransportError when the bridge is `off` (counted as `bridge-off`).
   */
  push(event: string, data: unknown, off: boolean): void {
    const { clock, stats } = this.#deps;
    const item = checkedEvent(event, data, clock.now(), this.#deps.maxFrame());
    if (off) {
      stats.drop("bridge-off");
      throw new TransportError("the bridge is off", { moduleId: "bridge", event });
    }
    const pushedOut = this.#queue.push(item);
    if (pushedOut > 0) stats.drop("bridge-queue-overflow", pushedOut);
    this.wake();
  }

  /** Sends what waits, at the end of this task, if the connection is open. */
  wake(): void {
    if (this.#flushTimer !== null || this.#queue.length === 0 || !this.#deps.open()) return;
    this.#flushTimer = this.#deps.clock.setTimeout(() => {
      this.#flushTimer = null;
      this.#flush();
    }, 0);
  }

  /** Forgets every waiting event; returns how many there were. */
  clear(): number {
    if (this.#flushTimer !== null) this.#deps.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    return this.#queue.clear();
  }

  /** Sends queued events, many per frame, each frame within the size limit. */
  #flush(): void {
    while (this.#deps.open()) {
      const next = this.#queue.takeFrame(this.#deps.maxFrame());
      if (!next) return;
      this.#deps.send(next.text);
      this.#deps.stats.eventsSent += next.count;
    }
  }
}
