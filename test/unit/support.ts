/** Test doubles shared by the unit tests: a manual clock and a manual "end of task" queue. */
import type { Clock, TimerHandle } from "../../src/clock";

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock whose time only moves when the test says so. Timers run in due order, ties in creation order. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running every timer that falls due (bounded, so a bug cannot spin). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = target;
  }

  /** Sets the time directly (may go backwards), without running timers. */
  set(time: number): void {
    this.time = time;
  }
}

/** Collects deferred callbacks; `endOfTask()` runs them, like the microtask queue would. */
export class DeferQueue {
  private queue: (() => void)[] = [];

  readonly defer = (fn: () => void): void => {
    this.queue.push(fn);
  };

  get length(): number {
    return this.queue.length;
  }

  endOfTask(): void {
    for (let guard = 0; guard < 10_000 && this.queue.length > 0; guard++) {
      const batch = this.queue;
      this.queue = [];
      for (const fn of batch) fn();
    }
  }
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw, but it returned normally");
}

/** A deterministic pseudo-random source (mulberry32) returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `items` in a Fisher–Yates order drawn from `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
