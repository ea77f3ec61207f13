import type { Clock, TimerHandle } from "../clock";
import { backoffDelay } from "./backoff";

export interface ConnectionLimits {
  maxReconnectionAttempts: number;
  initialReconnectionDelay: number;
  maxReconnectionDelay: number;
}

export interface ConnectionEvents {
  /** Try to reconnect now (e.g. `socket.connect()` when socket.io gave up). */
  probe(): void;
  /** Attempts ran out: switch to local fallback. */
  fallback(): void;
  /** The socket is back after a fallback. */
  recovered(): void;
  /** One reconnection attempt was made. */
  attempt(n: number): void;
}

/** A connection counts as stable (and the attempt counter is reset) once it has lasted this long. */
export const STABLE_AFTER_MS = 5000;

/**
 * The reconnection policy: while the socket is down, attempts follow the backoff; after
 * `maxReconnectionAttempts` the manager falls back to local and keeps probing at `maxReconnectionDelay`.
 * The attempt counter resets only after a connection has stayed up for STABLE_AFTER_MS.
 */
export class ConnectionMonitor {
  #attempts = 0;
  #timer: TimerHandle | null = null;
  #stableTimer: TimerHandle | null = null;
  #down = false;
  #inFallback = false;

  readonly #limits: () => ConnectionLimits;
  readonly #clock: Clock;
  readonly #events: ConnectionEvents;
  readonly #random: () => number;

  constructor(
    limits: () => ConnectionLimits,
    clock: Clock,
    events: ConnectionEvents,
    random: () => number = Math.random,
  ) {
    this.#limits = limits;
    this.#clock = clock;
    this.#events = events;
    this.#random = random;
  }

  get failedAttempts(): number {
    return this.#attempts;
  }

  get fallenBack(): boolean {
    return this.#inFallback;
  }

  disconnected(): void {
    this.#cancel("stable");
    if (this.#down) return;
    this.#down = true;
    this.#schedule();
  }

  connected(): void {
    this.#down = false;
    this.#cancel("retry");
    if (this.#inFallback) {
      this.#inFallback = false;
      this.#events.recovered();
    }
    this.#cancel("stable");
    this.#stableTimer = this.#clock.setTimeout(() => {
      this.#stableTimer = null;
      this.#attempts = 0;
    }, STABLE_AFTER_MS);
  }

  stop(): void {
    this.#cancel("retry");
    this.#cancel("stable");
  }

  #schedule(): void {
    const limits = this.#limits();
    const delay = this.#inFallback
      ? limits.maxReconnectionDelay
      : backoffDelay(
          this.#attempts,
          { initial: limits.initialReconnectionDelay, max: limits.maxReconnectionDelay },
          this.#random,
        );
    this.#timer = this.#clock.setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    this.#timer = null;
    if (!this.#down) return;
    this.#attempts++;
    this.#events.attempt(this.#attempts);
    this.#events.probe();
    if (!this.#down) return;
    if (!this.#inFallback && this.#attempts >= this.#limits().maxReconnectionAttempts) {
      this.#inFallback = true;
      this.#events.fallback();
    }
    this.#schedule();
  }

  #cancel(which: "retry" | "stable"): void {
    if (which === "retry" && this.#timer !== null) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (which === "stable" && this.#stableTimer !== null) {
      this.#clock.clearTimeout(this.#stableTimer);
      this.#stableTimer = null;
    }
  }
}
