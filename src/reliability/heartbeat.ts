import type { Clock, TimerHandle } from "../clock";
import type { PeerTestResult } from "../contract/types";

/**
 * Round-trip time and clock offset from one ping/pong exchange (NTP's formula):
 * t0 ping sent (our clock), t1 ping received and t2 pong sent (their clock), t3 pong received (ours).
 * `offset` is how far their clock runs ahead of ours.
 */
export function clockSample(t0: number, t1: number, t2: number, t3: number): { rtt: number; offset: number } {
  return { rtt: Math.max(0, t3 - t0 - (t2 - t1)), offset: (t1 - t0 + (t2 - t3)) / 2 };
}

/** The furthest apart two clients' clocks are believed to be: a pong claiming more is refused. */
export const MAX_CLOCK_OFFSET_MS = 86_400_000;

/**
 * Whether a pong's times can be true: the peer held the ping no longer than the whole round trip took, and its
 * clock is within a day of ours. Anything else would put made-up figures into the RTT metrics and the offset.
 */
export function isPlausibleSample(t0: number, t1: number, t2: number, t3: number): boolean {
  const held = t2 - t1;
  return held >= 0 && held <= t3 - t0 && Math.abs(clockSample(t0, t1, t2, t3).offset) <= MAX_CLOCK_OFFSET_MS;
}

export function isPongPayload(value: unknown): value is [number, number, number] {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((n) => typeof n === "number" && Number.isFinite(n))
  );
}

/**
 * Keeps the offset estimate per peer: the offset of the lowest-RTT sample among the last few, since a
 * short round trip bounds the error of its offset best.
 */
export class ClockEstimates {
  readonly #samples = new Map<string, { rtt: number; offset: number }[]>();

  readonly #keep: number;

  constructor(keep = 8) {
    this.#keep = keep;
  }

  add(userId: string, sample: { rtt: number; offset: number }): { rtt: number; offset: number } {
    const list = this.#samples.get(userId) ?? [];
    list.push(sample);
    if (list.length > this.#keep) list.shift();
    this.#samples.set(userId, list);
    return this.best(userId) ?? sample;
  }

  best(userId: string): { rtt: number; offset: number } | undefined {
    const list = this.#samples.get(userId);
    if (!list || list.length === 0) return undefined;
    return list.reduce((a, b) => (b.rtt < a.rtt ? b : a));
  }

  /** The latest sample's RTT (what a status window shows). */
  latestRtt(userId: string): number | undefined {
    return this.#samples.get(userId)?.at(-1)?.rtt;
  }

  forget(userId: string): void {
    this.#samples.delete(userId);
  }
}

export interface HeartbeatDeps {
  clock: Clock;
  /** Milliseconds between pings to everyone; 0 turns the periodic ping off. */
  interval: () => number;
  /** True when peers can be reached (a network transport is connected). */
  reachable: () => boolean;
  /** The connection state, for the error of a probe that cannot be sent. */
  state: () => string;
  send: (kind: "ping" | "pong", data: unknown, to: string[] | undefined, replyTo?: string) => void;
  /** Told of every round trip: its RTT and the best estimate of that peer's clock offset so far. */
  onSample: (user: { id: string; name: string }, rtt: number, offset: number) => void;
  /** Runs a function at the end of the current task (pongs are sent then, one per peer). */
  defer: (fn: () => void) => void;
}

/** Send times of this client's latest pings: a pong counts only if it answers one of them. */
const RECENT_PINGS = 16;

/** What a pong was: a round trip measured, not a pong at all, or no answer to a ping of ours (or a second one). */
export type PongVerdict = "measured" | "malformed" | "stale";

/**
 * Pings every peer each `interval`, answers their pings, and turns pongs into round-trip times and clock
 * offsets (kept in `clocks`). `probe()` is api.test(): one round trip to each given peer, bounded in time.
 */
export class Heartbeat {
  readonly clocks = new ClockEstimates();
  readonly #deps: HeartbeatDeps;
  readonly #waiters = new Map<string, Set<(rtt: number) => void>>();
  /** Pings to answer at the end of the task: the latest per peer (a flood of pings gets one pong). */
  readonly #pongsDue = new Map<string, { sentAt: number; receivedAt: number; pingId: string }>();
  readonly #pingsSent: number[] = [];
  /** Per peer: the send time of the ping it answered last (each ping is measured once per peer). */
  readonly #answered = new Map<string, number>();
  #timer: TimerHandle | null = null;

  constructor(deps: HeartbeatDeps) {
    this.#deps = deps;
  }

  /** Starts the periodic ping over, with the current interval. */
  restart(): void {
    this.stop();
    const interval = this.#deps.interval();
    if (interval <= 0) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = null;
      this.ping(undefined);
      this.restart();
    }, interval);
  }

  stop(): void {
    if (this.#timer !== null) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Pings `to` (undefined: everyone) when peers can be reached. */
  ping(to: string[] | undefined): void {
    if (!this.#deps.reachable()) return;
    const now = this.#deps.clock.now();
    if (this.#pingsSent.at(-1) !== now) this.#pingsSent.push(now);
    if (this.#pingsSent.length > RECENT_PINGS) this.#pingsSent.shift();
    this.#deps.send("ping", now, to);
  }

  /**
   * Answers a ping with our receive and send times, at the end of the task and once per peer however many
   * pings it sent; false when the ping's payload is malformed.
   */
  answer(sentAt: unknown, receivedAt: number, from: string, pingId: string): boolean {
    if (typeof sentAt !== "number") return false;
    const first = this.#pongsDue.size === 0;
    this.#pongsDue.set(from, { sentAt, receivedAt, pingId });
    if (first) {
      this.#deps.defer(() => {
        const due = [...this.#pongsDue];
        this.#pongsDue.clear();
        for (const [to, p] of due)
          this.#deps.send("pong", [p.sentAt, p.receivedAt, this.#deps.clock.now()], [to], p.pingId);
      });
    }
    return true;
  }

  /**
   * Takes a pong. Only one answering a ping this client sent, once per peer and ping, is measured: a pong made
   * up by a peer would put any figure it likes into the RTT metrics and settle `api.test()` without a round trip.
   */
  pong(payload: unknown, sender: { id: string; name: string }): PongVerdict {
    if (!isPongPayload(payload)) return "malformed";
    const sentAt = payload[0];
    if (!this.#pingsSent.includes(sentAt) || sentAt <= (this.#answered.get(sender.id) ?? -1)) return "stale";
    const now = this.#deps.clock.now();
    if (!isPlausibleSample(sentAt, payload[1], payload[2], now)) return "malformed";
    this.#answered.set(sender.id, sentAt);
    const sample = clockSample(payload[0], payload[1], payload[2], now);
    const best = this.clocks.add(sender.id, sample);
    this.#deps.onSample(sender, sample.rtt, best.offset);
    const waiters = this.#waiters.get(sender.id);
    this.#waiters.delete(sender.id);
    for (const resolve of waiters ?? []) resolve(sample.rtt);
    return "measured";
  }

  /** One round trip to each peer; every result settles within `timeout`. */
  probe(peers: readonly { id: string; name: string }[], timeout: number): Promise<PeerTestResult[]> {
    const { clock } = this.#deps;
    const results = peers.map(
      (u) =>
        new Promise<PeerTestResult>((resolve) => {
          const base = { userId: u.id, name: u.name };
          if (!this.#deps.reachable()) {
            return resolve({ ...base, ok: false, error: `not connected (${this.#deps.state()})` });
          }
          const waiters = this.#waiters.get(u.id) ?? new Set();
          const done = (rtt: number) => {
            clock.clearTimeout(timer);
            resolve({ ...base, ok: true, rttMs: rtt });
          };
          const timer = clock.setTimeout(() => {
            waiters.delete(done);
            resolve({ ...base, ok: false, error: `no answer within ${timeout} ms` });
          }, timeout);
          waiters.add(done);
          this.#waiters.set(u.id, waiters);
        }),
    );
    this.ping(peers.map((u) => u.id));
    return Promise.all(results);
  }
}
