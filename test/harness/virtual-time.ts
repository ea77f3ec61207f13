/**
 * Virtual time for the in-memory world: one clock shared by the relay, every simulated client and every
 * manager. Timers run one at a time in order (by due time, ties in the order they were set), every microtask
 * drained between two of them, so a run is the same every time whatever the machine's load:
 * - `until(condition)` runs timers until the condition holds, and stops at that very moment;
 * - `advance(ms)` runs what falls due in the next `ms`;
 * - while nobody waits that way and the clock is `running` (a world is alive), it runs on by itself, one timer
 *   per turn of the event loop, so that a test may also simply `await` a promise that needs time to pass.
 */
import type { Clock, TimerHandle } from "../../src/clock";

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export interface UntilOptions {
  /** Give up after this much virtual time (default 2000 ms). */
  within?: number;
  /** Included in the timeout error. */
  message?: string;
}

/** Most timers one `until` or `advance` may run: a bound against a loop that keeps rescheduling at once. */
const MAX_STEPS = 200_000;

/** Lets every queued microtask (and what they queue in turn) run. */
const drainMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();
  /** `until` and `advance` calls in progress: they drive, the free run pauses. */
  #driving = 0;
  #running = false;
  #turnScheduled = false;
  /** Real work in flight (Clock.track): no timer runs before it settles. */
  readonly #work = new Set<Promise<unknown>>();

  constructor(start = 1_767_225_600_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.set(id, { id, at: this.#now + delay, fn });
    this.#wake();
    return id;
  }

  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => {},
      () => {},
    );
    this.#work.add(settled);
    void settled.then(() => {
      this.#work.delete(settled);
      this.#wake();
    });
  }

  /** Waits for the real work in flight, if any (bounded: each piece is awaited once). */
  async #settleWork(): Promise<void> {
    if (this.#work.size > 0) await Promise.all([...this.#work]);
  }

  /** Lets time run by itself while nobody drives it (see the file's comment). */
  start(): void {
    this.#running = true;
    this.#wake();
  }

  stop(): void {
    this.#running = false;
  }

  #wake(): void {
    if (!this.#running || this.#driving > 0 || this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(() => {
      this.#turnScheduled = false;
      if (!this.#running || this.#driving > 0 || this.#work.size > 0) return;
      const next = this.#next();
      if (!next) return;
      this.#run(next);
      this.#wake();
    });
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and not yet run or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** The timer due first (ties: the one set first). */
  #next(): Timer | undefined {
    let first: Timer | undefined;
    for (const t of this.#timers.values()) if (!first || t.at < first.at) first = t;
    return first;
  }

  #run(timer: Timer): void {
    this.#timers.delete(timer.id);
    if (timer.at > this.#now) this.#now = timer.at;
    timer.fn();
  }

  /**
   * Resolves with the first truthy value of `predicate`, running due timers one at a time until it holds;
   * rejects once `within` virtual ms pass without it (time then stands at the deadline).
   */
  async until<T>(predicate: () => T | Promise<T>, opts: UntilOptions = {}): Promise<NonNullable<T>> {
    this.#driving++;
    try {
      return await this.#until(predicate, opts);
    } finally {
      this.#driving--;
      this.#wake();
    }
  }

  async #until<T>(predicate: () => T | Promise<T>, opts: UntilOptions): Promise<NonNullable<T>> {
    const within = opts.within ?? 2000;
    const deadline = this.#now + within;
    let lastError: unknown;
    for (let step = 0; step < MAX_STEPS; step++) {
      await drainMicrotasks();
      await this.#settleWork();
      try {
        const value = await predicate();
        if (value) return value as NonNullable<T>;
      } catch (err) {
        lastError = err;
      }
      const next = this.#next();
      if (!next || next.at > deadline) {
        this.#now = Math.max(this.#now, deadline);
        const why = opts.message ?? predicate.toString().slice(0, 200);
        const idle = next ? "" : " (nothing was left to happen)";
        const err = new Error(`waited ${within} virtual ms in vain${idle}: ${why}`);
        if (lastError !== undefined) (err as Error & { cause?: unknown }).cause = lastError;
        throw err;
      }
      this.#run(next);
    }
    throw new Error(`virtual time: more than ${MAX_STEPS} timers ran without reaching the condition`);
  }

  /** Lets `ms` of virtual time pass, running everything due in it, in order. */
  async advance(ms: number): Promise<void> {
    this.#driving++;
    try {
      await this.#advance(ms);
    } finally {
      this.#driving--;
      this.#wake();
    }
  }

  async #advance(ms: number): Promise<void> {
    const end = this.#now + Math.max(0, ms);
    for (let step = 0; step < MAX_STEPS; step++) {
      await drainMicrotasks();
      await this.#settleWork();
      const next = this.#next();
      if (!next || next.at > end) {
        this.#now = end;
        await drainMicrotasks();
        return;
      }
      this.#run(next);
    }
    throw new Error(`virtual time: more than ${MAX_STEPS} timers ran within ${ms} ms`);
  }
}

/**
 * The clock of the in-memory world alive in this test file, if any: the harness's waits (`waitFor`, `sleep`,
 * `withTimeout`) move it instead of waiting on the machine's clock.
 */
let active: VirtualClock | null = null;
let users = 0;

/** The clock a new in-memory world joins: the one already in use in this file, or a new one. */
export function acquireVirtualClock(): VirtualClock {
  active ??= new VirtualClock();
  users++;
  active.start();
  return active;
}

export function releaseVirtualClock(clock: VirtualClock): void {
  if (clock !== active) return;
  if (--users <= 0) {
    clock.stop();
    active = null;
    users = 0;
  }
}

export function activeVirtualClock(): VirtualClock | null {
  return active;
}
