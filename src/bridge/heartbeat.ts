/**
 * The client's own pings to the backend, ids `c1`, `c2`… every `heartbeatInterval` while welcomed, and the
 * round trip measured from the latest pong (the `at` it echoes is this client's clock).
 */
import type { Clock, TimerHandle } from "../clock";
import { frames } from "./protocol";

export interface HeartbeatDeps {
  readonly clock: Clock;
  /** The interval in ms; 0 turns the pings off. */
  every(): number;
  send(text: string): void;
}

export class BridgeHeartbeat {
  readonly #deps: HeartbeatDeps;
  #sent = 0;
  #timer: TimerHandle | null = null;
  rttMs: number | undefined;

  constructor(deps: HeartbeatDeps) {
    this.#deps = deps;
  }

  /** (Re)starts the interval. */
  start(): void {
    this.stop();
    const every = this.#deps.every();
    if (every <= 0) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = null;
      this.#deps.send(frames.ping(`c${++this.#sent}`, this.#deps.clock.now()));
      this.start();
    }, every);
  }

  stop(): void {
    if (this.#timer !== null) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A pong from the backend; only answers to this client's pings carry a round trip. */
  pong(id: string, at: number): void {
    if (id.startsWith("c")) this.rttMs = Math.max(0, this.#deps.clock.now() - at);
  }
}
